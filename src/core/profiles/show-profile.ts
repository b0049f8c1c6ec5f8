import type { CoreDeps } from '../deps.js';
import { RESULTS_WINDOW_HOURS } from '../detections/results-window.js';
import { UserError } from '../errors.js';
import { normalizeNames } from './bulk.js';

/** How many of a profile's latest checks `profiles show` lists. */
export const SHOWN_CHECKS = 10;

export interface ProfileCheck {
  batchId: number;
  /** The batch's niche as it was named when the batch ran. */
  niche: string;
  outcome: string;
  checkedAt: Date;
}

export interface ProfileStory {
  detectedAt: Date;
  storyTakenAt: Date | null;
  /** When the story expires (24 h after it was seen when Instagram did not say). */
  storyExpiresAt: Date;
}

export interface ProfileDetail {
  username: string;
  niche: string | null;
  status: 'active' | 'deleted';
  addedAt: Date;
  lastCheckedAt: Date | null;
  lastDetectedAt: Date | null;
  totalChecks: number;
  totalDetected: number;
  /** Not-found answers in a row (two delete the profile: Instagram sends false 404s). */
  notFoundStrikes: number;
  lastNotFoundAt: Date | null;
  /** The latest checks, newest first (from the batches' items). */
  checks: ProfileCheck[];
  /** Stories seen in the results window (detections are kept 24 h), newest first. */
  stories: ProfileStory[];
}

/** One profile of the master list with its latest checks and the stories seen; a clear refusal if unknown. */
export async function showProfile(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  input: string,
): Promise<ProfileDetail> {
  const { usernames, malformed } = normalizeNames([input]);
  const username = usernames[0];
  if (!username || usernames.length > 1) {
    const why = malformed[0] ? ` (${malformed[0].reason})` : '';
    throw new UserError(
      'username_invalid',
      `"${input.trim()}" is not one Instagram username${why}: give one name, @name or profile URL.`,
    );
  }
  const [profile] = await deps.sql<Omit<ProfileDetail, 'checks' | 'stories'>[]>`
    select p.username, n.name as niche, p.status, p.added_at as "addedAt",
      p.last_checked_at as "lastCheckedAt", p.last_detected_at as "lastDetectedAt",
      p.total_checks as "totalChecks", p.total_detected as "totalDetected",
      p.not_found_strikes as "notFoundStrikes", p.last_not_found_at as "lastNotFoundAt"
    from profiles p left join niches n on n.id = p.niche_id
    where p.username = ${username}`;
  if (!profile) {
    throw new UserError('profile_not_found', `No profile "${username}" in the master list.`, { username });
  }
  const checks = await deps.sql<ProfileCheck[]>`
    select i.batch_id::int as "batchId", b.niche_name as niche, i.outcome, i.checked_at as "checkedAt"
    from batch_items i join batches b on b.id = i.batch_id
    where i.username = ${username} and i.outcome is not null
    order by i.checked_at desc nulls last, i.batch_id desc
    limit ${SHOWN_CHECKS}`;
  const since = new Date(deps.clock.now().getTime() - RESULTS_WINDOW_HOURS * 3_600_000);
  const stories = await deps.sql<ProfileStory[]>`
    select detected_at as "detectedAt", story_taken_at as "storyTakenAt",
      coalesce(story_expires_at, detected_at + interval '24 hours') as "storyExpiresAt"
    from detections where username = ${username} and detected_at > ${since}
    order by detected_at desc`;
  return { ...profile, checks: [...checks], stories: [...stories] };
}

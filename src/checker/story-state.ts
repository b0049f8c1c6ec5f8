import type { StorySeen } from '../core/checks.js';

const DAY_MS = 24 * 3600_000;

export type StoryState = { outcome: 'story'; story: StorySeen } | { outcome: 'no_story' };

const toDate = (epochSeconds: number | null | undefined) =>
  epochSeconds === null || epochSeconds === undefined ? null : new Date(epochSeconds * 1000);

/** Anonymous graphql answer: active when `has_public_story`, or the latest reel is under 24 h old. */
export function storyFromQuery(
  user: {
    has_public_story: boolean;
    reel?: { latest_reel_media?: number | null; expiring_at?: number | null } | null | undefined;
  },
  nowMs: number,
): StoryState {
  const latest = user.reel?.latest_reel_media ?? null;
  const recent = latest !== null && latest * 1000 > nowMs - DAY_MS;
  if (!user.has_public_story && !recent) return { outcome: 'no_story' };
  return { outcome: 'story', story: { takenAt: toDate(latest), expiresAt: toDate(user.reel?.expiring_at) } };
}

/** Logged-in reels_media answer: an id without a reel has no story; with items (or a recent reel) it has one. */
export function storyFromReel(
  reel:
    | {
        latest_reel_media?: number | null | undefined;
        expiring_at?: number | null | undefined;
        items: Array<{ taken_at: number; expiring_at?: number | undefined }>;
      }
    | undefined,
  nowMs: number,
): StoryState {
  if (!reel) return { outcome: 'no_story' };
  let newest: number | null = null;
  for (const it of reel.items) if (newest === null || it.taken_at > newest) newest = it.taken_at;
  newest ??= reel.latest_reel_media ?? null;
  const active = reel.items.length > 0 || (newest !== null && newest * 1000 > nowMs - DAY_MS);
  if (!active) return { outcome: 'no_story' };
  const expiring = reel.expiring_at ?? reel.items.find((it) => it.taken_at === newest)?.expiring_at ?? null;
  return { outcome: 'story', story: { takenAt: toDate(newest), expiresAt: toDate(expiring) } };
}

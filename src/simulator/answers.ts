import type { SimUser } from './population.js';

/**
 * The bodies the simulated Instagram answers with, in the shapes the real web endpoints use (the
 * fields the checker's routes read, plus a few neighbours as the real answers carry).
 */

const DAY_S = 24 * 3600;

/** The story a user shows right now, if any (visible for 24 h after it was posted). */
export function liveStory(user: SimUser, nowMs: number): { takenAt: number; expiringAt: number } | null {
  if (!user.storyPostedAt) return null;
  const takenAt = Math.floor(user.storyPostedAt.getTime() / 1000);
  const expiringAt = takenAt + DAY_S;
  return expiringAt * 1000 > nowMs && takenAt * 1000 <= nowMs ? { takenAt, expiringAt } : null;
}

/** `GET /api/v1/users/web_profile_info/?username=`. */
export function profileInfoBody(user: SimUser): unknown {
  return {
    data: {
      user: {
        id: user.id,
        username: user.username,
        full_name: user.username.replace(/[._]+/g, ' '),
        is_private: user.isPrivate,
        is_verified: false,
        edge_followed_by: { count: 1000 + (Number(user.id) % 50_000) },
      },
    },
    status: 'ok',
  };
}

/** The anonymous reel query (`/graphql/query/?query_id=...&user_id=`): private stories are hidden. */
export function storyQueryBody(user: SimUser | undefined, nowMs: number): unknown {
  if (!user) return { data: { user: null }, status: 'ok' };
  const story = user.isPrivate ? null : liveStory(user, nowMs);
  const latest =
    user.isPrivate || !user.storyPostedAt ? null : Math.floor(user.storyPostedAt.getTime() / 1000);
  return {
    data: {
      user: {
        has_public_story: story !== null,
        is_live: false,
        reel: {
          id: user.id,
          expiring_at: story ? story.expiringAt : Math.floor(nowMs / 1000) + DAY_S,
          // An expired story still shows its (old) time, as Instagram does; the checker must not count it.
          latest_reel_media: latest,
          owner: { __typename: 'GraphUser', id: user.id, username: user.username },
        },
      },
    },
    status: 'ok',
  };
}

/** The logged-out profile page with the user embedded as `xig_user_by_username`. */
export function profilePageHtml(user: SimUser): string {
  const data = { xig_user_by_username: { pk: user.id, username: user.username, is_private: user.isPrivate } };
  return `<!DOCTYPE html><html lang="en"><head><title>${user.username} • Instagram</title></head><body><script type="application/json" data-sjs>${JSON.stringify(data)}</script></body></html>`;
}

export const NOT_FOUND_PAGE_HTML =
  '<!DOCTYPE html><html lang="en"><head><title>Page not found • Instagram</title></head><body><script type="application/json" data-sjs>{"pageID":"httpErrorPage"}</script><h2>Sorry, this page isn&#039;t available.</h2></body></html>';

export const HOME_HTML =
  '<!DOCTYPE html><html lang="en"><head><title>Instagram (simulated)</title></head><body></body></html>';

export const RATE_LIMITED_BODY = {
  message: 'Please wait a few minutes before you try again.',
  status: 'fail',
};
export const NOT_FOUND_BODY = { message: '', status: 'fail' };

/**
 * The bodies the fake Instagram answers with, in the shapes the real web endpoints use (as documented
 * by instaloader, instagrapi and instagram-private-api). Only the fields the checker reads are
 * guaranteed; a few neighbours are included so the checker's zod schemas must tolerate extra keys.
 */

export interface FakeUser {
  username: string;
  id: string;
  isPrivate?: boolean;
  /** When the latest story was posted; a story is visible for 24 h after it. */
  storyPostedAt?: Date | null;
}

export interface FakeSession {
  sessionid: string;
  csrftoken: string;
  dsUserId: string;
}

const DAY_S = 24 * 3600;

export function activeStory(user: FakeUser, nowMs: number): { takenAt: number; expiringAt: number } | null {
  if (!user.storyPostedAt) return null;
  const takenAt = Math.floor(user.storyPostedAt.getTime() / 1000);
  const expiringAt = takenAt + DAY_S;
  if (expiringAt * 1000 <= nowMs || takenAt * 1000 > nowMs) return null;
  return { takenAt, expiringAt };
}

export function profileInfoBody(user: FakeUser): unknown {
  return {
    data: {
      user: {
        id: user.id,
        username: user.username,
        full_name: `${user.username} (fake)`,
        is_private: user.isPrivate === true,
        is_verified: false,
        biography: '',
        profile_pic_url: `https://scontent.example/${user.id}.jpg`,
        edge_followed_by: { count: 1234 },
        edge_follow: { count: 56 },
      },
    },
    status: 'ok',
  };
}

/** The anonymous graphql story query; unknown ids answer `data.user: null` like Instagram does. */
export function storyQueryBody(user: FakeUser | undefined, nowMs: number): unknown {
  if (!user) return { data: { user: null }, status: 'ok' };
  // A private account's stories are hidden from anonymous viewers.
  const story = user.isPrivate ? null : activeStory(user, nowMs);
  return {
    data: {
      user: {
        has_public_story: story !== null,
        is_live: false,
        reel: {
          id: user.id,
          expiring_at: story ? story.expiringAt : Math.floor(nowMs / 1000) + DAY_S,
          has_pride_media: false,
          latest_reel_media: story ? story.takenAt : null,
          seen: null,
          owner: { __typename: 'GraphUser', id: user.id, username: user.username },
        },
        edge_highlight_reels: { edges: [] },
      },
    },
    status: 'ok',
  };
}

export function reelsMediaBody(users: FakeUser[], nowMs: number): unknown {
  const reels: Record<string, unknown> = {};
  const list: unknown[] = [];
  for (const user of users) {
    const story = activeStory(user, nowMs);
    if (!story) continue;
    const reel = {
      id: user.id,
      latest_reel_media: story.takenAt,
      expiring_at: story.expiringAt,
      seen: 0,
      reel_type: 'user_reel',
      user: { pk: user.id, username: user.username, is_private: user.isPrivate === true },
      items: [
        {
          pk: `${user.id}${story.takenAt}`,
          taken_at: story.takenAt,
          expiring_at: story.expiringAt,
          media_type: 1,
        },
      ],
      media_count: 1,
    };
    reels[user.id] = reel;
    list.push(reel);
  }
  return { reels, reels_media: list, status: 'ok' };
}

export const PLEASE_WAIT_BODY = {
  message: 'Please wait a few minutes before you try again.',
  require_login: true,
  status: 'fail',
};

export const LOGIN_HTML =
  '<!DOCTYPE html><html lang="en"><head><title>Login • Instagram</title></head><body><div id="react-root">Log in to continue</div></body></html>';

export function sessionProblemBody(
  kind: 'login_required' | 'challenge_required' | 'checkpoint_required' | 'feedback_required',
): unknown {
  if (kind === 'challenge_required') {
    return {
      message: 'challenge_required',
      challenge: { url: 'https://www.instagram.com/challenge/', api_path: '/challenge/', lock: true },
      status: 'fail',
    };
  }
  return { message: kind, status: 'fail', ...(kind === 'login_required' ? { logout_reason: 2 } : {}) };
}

/** `data.reels_media[]` of the logged-in query_hash reels query, as instaloader reads it. */
export function reelsHashBody(users: FakeUser[], nowMs: number): unknown {
  const list: unknown[] = [];
  for (const user of users) {
    const story = activeStory(user, nowMs);
    if (!story) continue;
    list.push({
      id: user.id,
      latest_reel_media: story.takenAt,
      seen: null,
      user: { id: user.id, username: user.username, is_private: user.isPrivate === true },
      items: [
        {
          id: `${user.id}${story.takenAt}`,
          taken_at_timestamp: story.takenAt,
          expiring_at_timestamp: story.expiringAt,
          is_video: false,
        },
      ],
    });
  }
  return { data: { reels_media: list }, status: 'ok' };
}

/** The logged-out profile page: the user sits in a JSON script as `xig_user_by_username`. */
export function profilePageHtml(user: FakeUser): string {
  const data = {
    require: [
      [
        'ScheduledServerJS',
        'handle',
        null,
        [
          {
            __bbox: {
              result: {
                data: {
                  xig_user_by_username: {
                    pk: user.id,
                    id: `${user.id}_app_scoped`,
                    username: user.username,
                    full_name: `${user.username} (fake)`,
                    is_private: user.isPrivate === true,
                    is_verified: false,
                  },
                },
              },
            },
          },
        ],
      ],
    ],
  };
  return `<!DOCTYPE html><html lang="en"><head><title>${user.username} • Instagram</title></head><body><script type="application/json" data-content-len="900" data-sjs>${JSON.stringify(data)}</script></body></html>`;
}

export const NOT_FOUND_PAGE_HTML =
  '<!DOCTYPE html><html lang="en"><head><title>Page not found • Instagram</title></head><body><script type="application/json" data-sjs>{"pageID":"httpErrorPage"}</script><h2>Sorry, this page isn&#039;t available.</h2></body></html>';

export const WALL_401_BODY = {
  message: 'Please wait a few minutes before you try again.',
  require_login: true,
  igweb_rollout: true,
  status: 'fail',
};
export const USERAGENT_MISMATCH_BODY = { message: 'useragent mismatch', status: 'fail' };
export const RETIRED_400_BODY = {
  message: 'invalid request',
  errors: [{ message: 'execution error', severity: 'CRITICAL' }],
  status: 'fail',
};
export const RETIRED_200_BODY = {
  data: null,
  errors: [{ message: 'execution error', code: 1675002, summary: 'Incorrect Query', severity: 'CRITICAL' }],
  status: 'ok',
};
export const BUSINESS_ASSET_400_BODY = {
  message:
    'Asset asset://laser.provider/ig_business_category_subvertical has been deleted. You cannot use this schema',
  status: 'fail',
};

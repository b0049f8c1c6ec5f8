/**
 * Instagram's identifiers as the checker sends them, with where each was read and when. They are
 * run-time settings (`instagram set KEY VALUE`): Instagram retires query ids several times a year,
 * and a deploy must not be the only way to follow it. docs/instagram.md cites each source.
 */

export const RESOLVE_ROUTES = ['web_profile_info', 'profile_page', 'web_profile_info_session'] as const;
export const STORY_ROUTES = ['reels_query_hash', 'reels_media', 'reel_query'] as const;
export type ResolveRouteName = (typeof RESOLVE_ROUTES)[number];
export type StoryRouteName = (typeof STORY_ROUTES)[number];
export type RouteName = ResolveRouteName | StoryRouteName;
export const ROUTE_NAMES: readonly RouteName[] = [...RESOLVE_ROUTES, ...STORY_ROUTES];

export interface InstagramConfig {
  /** `X-IG-App-ID` of the web app. */
  appId: string;
  /** `X-ASBD-ID` the web app sends with its XHRs. */
  asbdId: string;
  /** Desktop Chrome; `sec-ch-ua` is derived from its major version. Sessions keep their own. */
  userAgent: string;
  /** The anonymous reel query (`/graphql/query/?query_id=...&user_id=...`). */
  reelQueryId: string;
  /** The logged-in reels query (`/graphql/query/?query_hash=...&variables={"reel_ids":[...]}`). */
  reelsQueryHash: string;
  /** Routes per step, tried in this order (a suspended or unusable one is skipped). */
  resolveOrder: ResolveRouteName[];
  storyOrder: StoryRouteName[];
  /** Public accounts that post stories often: the doctor's probes and the dead-session witness. */
  canaries: string[];
}

export interface Sourced {
  value: string;
  source: string;
  date: string;
}

export const IDENTIFIER_SOURCES: Record<
  'appId' | 'asbdId' | 'userAgent' | 'reelQueryId' | 'reelsQueryHash',
  Sourced
> = {
  appId: {
    value: '936619743392459',
    source: 'instagrapi instagrapi/mixins/public.py PUBLIC_WEB_APP_ID; The_Watcher3.0; instaloader PR #2701',
    date: '2026-08-22',
  },
  asbdId: {
    value: '129477',
    source: 'instagrapi instagrapi/mixins/public.py PUBLIC_WEB_ASBD_ID',
    date: '2026-08-22',
  },
  userAgent: {
    value:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
    source: 'instaloader instaloadercontext.py default_user_agent()',
    date: '2025-11-08',
  },
  reelQueryId: {
    value: '9957820854288654',
    source:
      'm0hx65/The_Watcher3.0 (anonymous story check since 2026-06-03); GenesisTools (checked 2026-07-27)',
    date: '2026-07-27',
  },
  reelsQueryHash: {
    value: '303a4ae99711322310f25250d988f3b7',
    source: 'instaloader instaloader.py get_stories (query_hash, 50 reel_ids per request)',
    date: '2026-04-15',
  },
};

export const INSTAGRAM_DEFAULTS: InstagramConfig = {
  appId: IDENTIFIER_SOURCES.appId.value,
  asbdId: IDENTIFIER_SOURCES.asbdId.value,
  userAgent: IDENTIFIER_SOURCES.userAgent.value,
  reelQueryId: IDENTIFIER_SOURCES.reelQueryId.value,
  reelsQueryHash: IDENTIFIER_SOURCES.reelsQueryHash.value,
  resolveOrder: [...RESOLVE_ROUTES],
  storyOrder: [...STORY_ROUTES],
  canaries: [],
};

import type { ResolveRouteName, RouteName, StoryRouteName } from '../../core/instagram/index.js';
import { profilePage } from './profile-page.js';
import { reelQuery, reelsMedia, reelsQueryHash } from './story-routes.js';
import type { ResolveRoute, Route, StoryRoute } from './types.js';
import { webProfileInfo, webProfileInfoSession } from './web-profile-info.js';

export type * from './types.js';

export const RESOLVE_ROUTE_BY_NAME: Record<ResolveRouteName, ResolveRoute> = {
  web_profile_info: webProfileInfo,
  profile_page: profilePage,
  web_profile_info_session: webProfileInfoSession,
};

export const STORY_ROUTE_BY_NAME: Record<StoryRouteName, StoryRoute> = {
  reel_query: reelQuery,
  reels_media: reelsMedia,
  reels_query_hash: reelsQueryHash,
};

export function routeByName(name: RouteName): Route {
  return (
    (RESOLVE_ROUTE_BY_NAME as Record<string, Route>)[name] ??
    (STORY_ROUTE_BY_NAME as Record<string, Route>)[name]!
  );
}

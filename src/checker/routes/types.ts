import type { InstagramConfig, ResolveRouteName, StoryRouteName } from '../../core/instagram/index.js';
import type { Classified, ClassifyOptions } from '../answer-class.js';
import type { StoryState } from '../story-state.js';
import type { RawAnswer } from '../transport.js';

/** A request a route wants sent: the path, and whether it is an XHR or a page load. */
export interface RouteRequest {
  path: string;
  kind: 'xhr' | 'document';
  refererPath: string;
}

export interface ResolvedUser {
  id: string;
  isPrivate: boolean;
}

/** Resolve step: username -> id and privacy. A `null` value is "no such user". */
export interface ResolveRoute {
  name: ResolveRouteName;
  step: 'resolve';
  needsSession: boolean;
  request(username: string, config: InstagramConfig): RouteRequest;
  read(raw: RawAnswer, withSession: boolean): Classified<ResolvedUser | null>;
}

/**
 * What a story route learned per id: a state, or `gone` when Instagram has no user with that id any
 * more (a stale cached id: the username is resolved again; this alone never counts as a deletion).
 */
export type IdAnswer = StoryState | { outcome: 'gone' };

export interface StoryAnswer {
  byId: Map<string, IdAnswer>;
  /** Ids the answer showed as public accounts with a live story (usable as dead-session witnesses). */
  publicLive: Array<{ id: string; expiresAtMs: number }>;
}

/** Story step: ids -> story or not, with expiry. */
export interface StoryRoute {
  name: StoryRouteName;
  step: 'story';
  needsSession: boolean;
  /** Ids one request carries. */
  maxIds: number;
  request(ids: readonly string[], config: InstagramConfig): RouteRequest;
  read(raw: RawAnswer, ids: readonly string[], nowMs: number): Classified<StoryAnswer>;
}

export type Route = ResolveRoute | StoryRoute;

export function classifyOptions(
  route: { needsSession: boolean },
  over: Partial<ClassifyOptions> = {},
): ClassifyOptions {
  return {
    withSession: route.needsSession,
    notFound: route.needsSession ? 'session_invalid' : 'unexpected',
    graphql: false,
    ...over,
  };
}

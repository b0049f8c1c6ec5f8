import { z } from 'zod';
import { classifyAnswer, readShape } from '../answer-class.js';
import type { ResolvedUser, ResolveRoute } from './types.js';

const idString = z.union([z.string().regex(/^\d{1,30}$/), z.number().int().nonnegative()]).transform(String);

const answer = z.object({
  data: z.object({
    user: z
      .object({ id: idString, username: z.string(), is_private: z.boolean().optional().default(false) })
      .nullable(),
  }),
});

function route(name: 'web_profile_info' | 'web_profile_info_session', needsSession: boolean): ResolveRoute {
  return {
    name,
    step: 'resolve',
    needsSession,
    request: (username) => ({
      path: `/api/v1/users/web_profile_info/?username=${encodeURIComponent(username)}`,
      kind: 'xhr',
      refererPath: `/${encodeURIComponent(username)}/`,
    }),
    read(raw, withSession) {
      // A JSON 404 is the missing user; logged in, a bare "Not Found" is a hidden challenge (answer-class).
      const r = classifyAnswer(raw, { withSession, notFound: 'not_found', graphql: false });
      if ('cls' in r) return r;
      if (r.kind !== 'json') return { cls: 'changed', detail: 'not JSON', latencyMs: r.latencyMs };
      const shaped = readShape(r, answer, raw.kind === 'answer' ? raw.body : undefined);
      if (shaped.cls !== 'ok') return shaped;
      const user = shaped.value.data.user;
      const value: ResolvedUser | null = user ? { id: user.id, isPrivate: user.is_private } : null;
      return { cls: 'ok', value, latencyMs: shaped.latencyMs };
    },
  };
}

/** `GET /api/v1/users/web_profile_info/?username=` without cookies (walled from most IPs in 2026). */
export const webProfileInfo = route('web_profile_info', false);
/** The same call with a session's cookies, through the session's own proxy. */
export const webProfileInfoSession = route('web_profile_info_session', true);

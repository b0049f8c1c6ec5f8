import { z } from 'zod';
import { classifyAnswer, readShape } from '../answer-class.js';
import { storyFromQuery, storyFromReel } from '../story-state.js';
import type { IdAnswer, StoryAnswer, StoryRoute } from './types.js';

const idString = z.union([z.string().regex(/^\d{1,30}$/), z.number().int().nonnegative()]).transform(String);
const epoch = z.number().int().nonnegative();

const reelQueryAnswer = z.object({
  data: z.object({
    user: z
      .object({
        has_public_story: z.boolean().optional().default(false),
        reel: z
          .object({
            latest_reel_media: epoch.nullable().optional(),
            expiring_at: epoch.nullable().optional(),
          })
          .nullable()
          .optional(),
      })
      .nullable(),
  }),
});

const reelsMediaAnswer = z.object({
  reels: z.record(
    z.string(),
    z.object({
      latest_reel_media: epoch.nullable().optional(),
      expiring_at: epoch.nullable().optional(),
      items: z
        .array(z.object({ taken_at: epoch, expiring_at: epoch.optional() }))
        .optional()
        .default([]),
      user: z.object({ is_private: z.boolean().optional() }).optional(),
    }),
  ),
});

const hashAnswer = z.object({
  data: z.object({
    reels_media: z.array(
      z.object({
        // instaloader reads the owner from `user`; the reel's own `id` is the owner's id too.
        id: idString.optional(),
        latest_reel_media: epoch.nullable().optional(),
        expiring_at: epoch.nullable().optional(),
        user: z.object({ id: idString.optional(), is_private: z.boolean().optional() }).optional(),
        items: z
          .array(
            z.object({
              taken_at_timestamp: epoch,
              expiring_at_timestamp: epoch.optional(),
            }),
          )
          .optional()
          .default([]),
      }),
    ),
  }),
});

const bodyOf = (raw: Parameters<StoryRoute['read']>[0]) => (raw.kind === 'answer' ? raw.body : undefined);

function live(state: IdAnswer): number | null {
  return state.outcome === 'story' ? (state.story.expiresAt?.getTime() ?? null) : null;
}

/** The anonymous reel query: one id per request, `data.user.reel`. */
export const reelQuery: StoryRoute = {
  name: 'reel_query',
  step: 'story',
  needsSession: false,
  maxIds: 1,
  request: (ids, config) => ({
    path: `/graphql/query/?query_id=${encodeURIComponent(config.reelQueryId)}&user_id=${encodeURIComponent(ids[0] ?? '')}&include_reel=true&include_logged_out_extras=true&include_chaining=false&include_suggested_users=false&include_live_status=true&include_highlight_reels=true`,
    kind: 'xhr',
    refererPath: '/',
  }),
  read(raw, ids, nowMs) {
    const r = classifyAnswer(raw, { withSession: false, notFound: 'unexpected', graphql: true });
    if ('cls' in r) return r;
    if (r.kind !== 'json') return { cls: 'changed', detail: 'not JSON', latencyMs: r.latencyMs };
    const shaped = readShape(r, reelQueryAnswer, bodyOf(raw));
    if (shaped.cls !== 'ok') return shaped;
    const id = ids[0] ?? '';
    const user = shaped.value.data.user;
    const state: IdAnswer = user ? storyFromQuery(user, nowMs) : { outcome: 'gone' };
    const expires = live(state);
    const answer: StoryAnswer = {
      byId: new Map([[id, state]]),
      // The anonymous query shows public stories only.
      publicLive: expires === null ? [] : [{ id, expiresAtMs: expires }],
    };
    return { cls: 'ok', value: answer, latencyMs: shaped.latencyMs };
  },
};

/** `feed/reels_media` with a session: 20 ids per request, `reels[id]` for those with a story. */
export const reelsMedia: StoryRoute = {
  name: 'reels_media',
  step: 'story',
  needsSession: true,
  maxIds: 20,
  request: (ids) => ({
    path: `/api/v1/feed/reels_media/?${ids.map((id) => `reel_ids=${encodeURIComponent(id)}`).join('&')}`,
    kind: 'xhr',
    refererPath: '/',
  }),
  read(raw, ids, nowMs) {
    const r = classifyAnswer(raw, { withSession: true, notFound: 'session_invalid', graphql: false });
    if ('cls' in r) return r;
    if (r.kind !== 'json') return { cls: 'changed', detail: 'not JSON', latencyMs: r.latencyMs };
    const shaped = readShape(r, reelsMediaAnswer, bodyOf(raw));
    if (shaped.cls !== 'ok') return shaped;
    const answer: StoryAnswer = { byId: new Map(), publicLive: [] };
    for (const id of ids) {
      const reel = shaped.value.reels[id];
      const state = storyFromReel(reel, nowMs);
      answer.byId.set(id, state);
      const expires = live(state);
      if (expires !== null && reel?.user?.is_private === false)
        answer.publicLive.push({ id, expiresAtMs: expires });
    }
    return { cls: 'ok', value: answer, latencyMs: shaped.latencyMs };
  },
};

/** The logged-in graphql reels query by `query_hash`: 50 ids per request, `data.reels_media[]`. */
export const reelsQueryHash: StoryRoute = {
  name: 'reels_query_hash',
  step: 'story',
  needsSession: true,
  maxIds: 50,
  request: (ids, config) => ({
    path: `/graphql/query/?query_hash=${encodeURIComponent(config.reelsQueryHash)}&variables=${encodeURIComponent(
      JSON.stringify({ reel_ids: ids, precomposed_overlay: false }),
    )}`,
    kind: 'xhr',
    refererPath: '/',
  }),
  read(raw, ids, nowMs) {
    const r = classifyAnswer(raw, { withSession: true, notFound: 'session_invalid', graphql: true });
    if ('cls' in r) return r;
    if (r.kind !== 'json') return { cls: 'changed', detail: 'not JSON', latencyMs: r.latencyMs };
    const shaped = readShape(r, hashAnswer, bodyOf(raw));
    if (shaped.cls !== 'ok') return shaped;
    const byReel = new Map(shaped.value.data.reels_media.map((m) => [m.id ?? m.user?.id ?? '', m]));
    const answer: StoryAnswer = { byId: new Map(), publicLive: [] };
    for (const id of ids) {
      const m = byReel.get(id);
      const state = storyFromReel(
        m
          ? {
              latest_reel_media: m.latest_reel_media ?? null,
              expiring_at: m.expiring_at ?? null,
              items: m.items.map((it) => ({
                taken_at: it.taken_at_timestamp,
                ...(it.expiring_at_timestamp === undefined ? {} : { expiring_at: it.expiring_at_timestamp }),
              })),
            }
          : undefined,
        nowMs,
      );
      answer.byId.set(id, state);
      const expires = live(state);
      if (expires !== null && m?.user?.is_private === false)
        answer.publicLive.push({ id, expiresAtMs: expires });
    }
    return { cls: 'ok', value: answer, latencyMs: shaped.latencyMs };
  },
};

import { z } from 'zod';
import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { recordEvent } from '../events.js';
import { notifyProxiesChanged } from '../proxies/proxy-store.js';
import {
  INSTAGRAM_DEFAULTS,
  type InstagramConfig,
  RESOLVE_ROUTES,
  type ResolveRouteName,
  STORY_ROUTES,
  type StoryRouteName,
} from './defaults.js';

const USERNAME = /^[a-z0-9._]{1,30}$/;

function routeList<T extends string>(all: readonly T[], step: string) {
  return z.string().transform((text, ctx): T[] => {
    const words = text
      .toLowerCase()
      .split(/[\s,>]+/)
      .filter(Boolean);
    const bad = words.filter((w) => !(all as readonly string[]).includes(w));
    if (words.length === 0 || bad.length > 0 || new Set(words).size !== words.length) {
      ctx.addIssue({
        code: 'custom',
        message: `${bad.length > 0 ? `unknown ${step} route ${bad.map((b) => `"${b}"`).join(', ')}; ` : ''}give one or more of ${all.join(', ')}, each once, in the order to try them (a route left out is not used)`,
      });
      return z.NEVER;
    }
    return words as T[];
  });
}

/** Each operator-facing key, how its value is read from text, and the config field it sets. */
const KEYS = {
  app_id: {
    field: 'appId',
    schema: z.string().regex(/^\d{6,20}$/, 'the app id is 6 to 20 digits, e.g. 936619743392459'),
  },
  asbd_id: { field: 'asbdId', schema: z.string().regex(/^\d{3,12}$/, 'the ASBD id is 3 to 12 digits') },
  user_agent: {
    field: 'userAgent',
    schema: z
      .string()
      .regex(
        /^Mozilla\/5\.0 [\x20-\x7e]{20,400}$/,
        'a browser user agent starts with "Mozilla/5.0 " and is plain text of 30 to 400 characters',
      ),
  },
  reel_query_id: {
    field: 'reelQueryId',
    schema: z.string().regex(/^\d{5,25}$/, 'a query id is 5 to 25 digits'),
  },
  reels_query_hash: {
    field: 'reelsQueryHash',
    schema: z.string().regex(/^[0-9a-f]{32}$/i, 'a query hash is 32 hexadecimal characters'),
  },
  resolve_order: { field: 'resolveOrder', schema: routeList<ResolveRouteName>(RESOLVE_ROUTES, 'resolve') },
  story_order: { field: 'storyOrder', schema: routeList<StoryRouteName>(STORY_ROUTES, 'story') },
  canaries: {
    field: 'canaries',
    schema: z.string().transform((text, ctx): string[] => {
      const names = text
        .toLowerCase()
        .split(/[\s,]+/)
        .map((n) => n.replace(/^@/, ''))
        .filter(Boolean);
      const bad = names.filter((n) => !USERNAME.test(n));
      if (bad.length > 0 || names.length > 10) {
        ctx.addIssue({
          code: 'custom',
          message:
            bad.length > 0
              ? `${bad.map((b) => `"${b}"`).join(', ')} ${bad.length === 1 ? 'is not a username' : 'are not usernames'} (letters, digits, "." and "_", up to 30)`
              : `at most 10 canaries; got ${names.length}`,
        });
        return z.NEVER;
      }
      return [...new Set(names)];
    }),
  },
} as const;

export type InstagramKey = keyof typeof KEYS;
export const INSTAGRAM_KEYS = Object.keys(KEYS) as InstagramKey[];

/** The stored overrides are re-validated on read: a value a later version refuses falls back to the default. */
const stored = z
  .object({
    appId: z.string(),
    asbdId: z.string(),
    userAgent: z.string(),
    reelQueryId: z.string(),
    reelsQueryHash: z.string(),
    resolveOrder: z.array(z.enum(RESOLVE_ROUTES)).min(1),
    storyOrder: z.array(z.enum(STORY_ROUTES)).min(1),
    canaries: z.array(z.string().regex(USERNAME)).max(10),
  })
  .partial();

export async function getInstagramConfig(deps: Pick<CoreDeps, 'sql'>): Promise<InstagramConfig> {
  const [row] = await deps.sql<Array<{ instagram: unknown }>>`select instagram from settings where id = 1`;
  const parsed = stored.safeParse(row?.instagram ?? {});
  return { ...INSTAGRAM_DEFAULTS, ...(parsed.success ? parsed.data : {}) };
}

/** Which keys differ from the defaults (for `instagram routes`). */
export async function instagramOverrides(deps: Pick<CoreDeps, 'sql'>): Promise<Set<InstagramKey>> {
  const [row] = await deps.sql<Array<{ instagram: Record<string, unknown> | null }>>`
    select instagram from settings where id = 1`;
  const fields = new Set(Object.keys(row?.instagram ?? {}));
  return new Set(INSTAGRAM_KEYS.filter((k) => fields.has(KEYS[k].field)));
}

function keyOf(key: string): InstagramKey {
  const k = key.toLowerCase().replace(/-/g, '_') as InstagramKey;
  if (!(k in KEYS))
    throw new UserError(
      'instagram_key_unknown',
      `"${key}" is not an Instagram setting. Settable: ${INSTAGRAM_KEYS.join(', ')}.`,
      { accepted: INSTAGRAM_KEYS },
    );
  return k;
}

export function displayValue(config: InstagramConfig, key: InstagramKey): string {
  const v = config[KEYS[key].field];
  return Array.isArray(v) ? (v.length > 0 ? v.join(', ') : '(none)') : v;
}

/** Sets one identifier; every checker picks it up within seconds (no deploy, no restart). */
export async function setInstagramSetting(
  deps: Pick<CoreDeps, 'sql' | 'db' | 'clock'>,
  key: string,
  value: string,
): Promise<{ key: InstagramKey; previous: string; value: string; config: InstagramConfig }> {
  const k = keyOf(key);
  const parsed = KEYS[k].schema.safeParse(value.trim());
  if (!parsed.success) {
    throw new UserError(
      'instagram_value_invalid',
      `${k} was not changed: ${parsed.error.issues[0]?.message ?? 'invalid value'}.`,
    );
  }
  const before = await getInstagramConfig(deps);
  const patch = { [KEYS[k].field]: parsed.data };
  await deps.sql`
    insert into settings (id, instagram, updated_at) values (1, ${deps.sql.json(patch)}, ${deps.clock.now()})
    on conflict (id) do update set instagram = settings.instagram || excluded.instagram,
      updated_at = excluded.updated_at`;
  const config = await getInstagramConfig(deps);
  const previous = displayValue(before, k);
  const now = displayValue(config, k);
  await recordEvent(deps, {
    kind: 'settings',
    message: `Instagram ${k} set to ${now} (was ${previous})`,
    data: { key: k, value: now, previous },
  });
  await notifyProxiesChanged(deps);
  return { key: k, previous, value: now, config };
}

export async function resetInstagramSetting(
  deps: Pick<CoreDeps, 'sql' | 'db' | 'clock'>,
  key: string,
): Promise<{ key: InstagramKey; previous: string; value: string }> {
  const k = keyOf(key);
  const before = await getInstagramConfig(deps);
  await deps.sql`
    update settings set instagram = instagram - ${KEYS[k].field}::text, updated_at = ${deps.clock.now()}
    where id = 1`;
  const after = await getInstagramConfig(deps);
  const value = displayValue(after, k);
  await recordEvent(deps, {
    kind: 'settings',
    message: `Instagram ${k} reset to the default ${value}`,
    data: { key: k, value },
  });
  await notifyProxiesChanged(deps);
  return { key: k, previous: displayValue(before, k), value };
}

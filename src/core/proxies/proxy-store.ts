import { asc, eq, inArray } from 'drizzle-orm';
import { decryptSecret, encryptSecret } from '../crypto/credentials.js';
import { proxies } from '../db/schema/index.js';
import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { recordEvent } from '../events.js';
import { maskSecrets } from '../mask.js';
import {
  type ParsedProxy,
  PROXY_FORMATS,
  parseProxyList,
  proxyAddress,
  type RefusedProxyLine,
} from './parse-proxy.js';

/** Postgres channel the checker listens on, so a removed or changed proxy stops being used at once. */
export const PROXY_CHANNEL = 'storywatch_proxies';

export interface AddedProxy {
  id: number;
  lineNumber: number;
  address: string;
  username: string | null;
}

export interface DuplicateProxy {
  lineNumber: number;
  address: string;
  username: string | null;
  /** The id already stored, or undefined when the line repeats an earlier line of the same input. */
  existingId?: number;
  repeatsLine?: number;
}

export interface AddProxiesResult {
  added: AddedProxy[];
  duplicates: DuplicateProxy[];
  refused: RefusedProxyLine[];
}

const identity = (p: { host: string; port: number; username: string | null }) =>
  `${p.host}\u0000${p.port}\u0000${p.username ?? ''}`;

/**
 * Adds proxies from text (one per line). Good lines are stored even when others are refused; the
 * result names every refused line with its reason and every duplicate with the id it duplicates.
 */
export async function addProxies(deps: CoreDeps, text: string): Promise<AddProxiesResult> {
  const { proxies: parsed, refused } = parseProxyList(text);
  if (parsed.length === 0 && refused.length === 0) {
    throw new UserError('proxy_none', `No proxy given. One per line: ${PROXY_FORMATS}.`);
  }
  if (parsed.some((p) => p.proxy.password !== null) && !deps.credentialsKey) {
    // Refuse before storing anything: a proxy without its password would fail every request.
    encryptSecret('', deps.credentialsKey);
  }
  const duplicates: DuplicateProxy[] = [];
  const firstSeen = new Map<string, number>();
  const unique: Array<{ lineNumber: number; proxy: ParsedProxy }> = [];
  for (const p of parsed) {
    const key = identity(p.proxy);
    const earlier = firstSeen.get(key);
    if (earlier !== undefined) {
      duplicates.push({
        lineNumber: p.lineNumber,
        address: proxyAddress(p.proxy),
        username: p.proxy.username,
        repeatsLine: earlier,
      });
      continue;
    }
    firstSeen.set(key, p.lineNumber);
    unique.push(p);
  }

  const added: AddedProxy[] = [];
  if (unique.length > 0) {
    const inserted = await deps.db
      .insert(proxies)
      .values(
        unique.map(({ proxy }) => ({
          host: proxy.host,
          port: proxy.port,
          username: proxy.username,
          passwordEnc: proxy.password === null ? null : encryptSecret(proxy.password, deps.credentialsKey),
        })),
      )
      .onConflictDoNothing()
      .returning({ id: proxies.id, host: proxies.host, port: proxies.port, username: proxies.username });
    const insertedIds = new Map(inserted.map((r) => [identity(r), r.id]));
    const missing = unique.filter((u) => !insertedIds.has(identity(u.proxy)));
    const existing =
      missing.length === 0
        ? []
        : await deps.db
            .select({ id: proxies.id, host: proxies.host, port: proxies.port, username: proxies.username })
            .from(proxies)
            .where(inArray(proxies.host, [...new Set(missing.map((m) => m.proxy.host))]));
    const existingIds = new Map(existing.map((r) => [identity(r), r.id]));
    for (const u of unique) {
      const id = insertedIds.get(identity(u.proxy));
      const address = proxyAddress(u.proxy);
      if (id !== undefined) added.push({ id, lineNumber: u.lineNumber, address, username: u.proxy.username });
      else
        duplicates.push({
          lineNumber: u.lineNumber,
          address,
          username: u.proxy.username,
          existingId: existingIds.get(identity(u.proxy)),
        });
    }
  }
  duplicates.sort((a, b) => a.lineNumber - b.lineNumber);
  if (added.length > 0) {
    await notifyProxiesChanged(deps);
    await recordEvent(deps, {
      kind: 'proxy',
      message: `Added ${added.length} prox${added.length === 1 ? 'y' : 'ies'}: ${added.map((a) => `#${a.id} ${a.address}`).join(', ')}`,
      data: { added: added.map((a) => a.id), duplicates: duplicates.length, refused: refused.length },
    });
  }
  deps.log.info(
    { added: added.length, duplicates: duplicates.length, refused: refused.length },
    'proxies added',
  );
  return { added, duplicates, refused };
}

export interface ProxyListItem {
  id: number;
  address: string;
  username: string | null;
  /** '***' when a password is stored, '' otherwise: the password itself never leaves storage here. */
  password: string;
  enabled: boolean;
  health: string;
  coolingUntil: Date | null;
  successes: number;
  failures: number;
  failuresByOutcome: Record<string, number>;
  medianLatencyMs: number | null;
  lastError: string | null;
  lastUsedAt: Date | null;
  lastTestedAt: Date | null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? null)
    : Math.round(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2);
}

export async function listProxies(deps: Pick<CoreDeps, 'db'>): Promise<ProxyListItem[]> {
  const rows = await deps.db.select().from(proxies).orderBy(asc(proxies.id));
  return rows.map((r) => ({
    id: r.id,
    address: proxyAddress(r),
    username: r.username,
    password: r.passwordEnc ? '***' : '',
    enabled: r.enabled,
    health: r.health,
    coolingUntil: r.coolingUntil,
    successes: r.successes,
    failures: r.failures,
    failuresByOutcome: r.failuresByOutcome,
    medianLatencyMs: median(r.recentLatenciesMs),
    lastError: r.lastError === null ? null : maskSecrets(r.lastError),
    lastUsedAt: r.lastUsedAt,
    lastTestedAt: r.lastTestedAt,
  }));
}

export interface RemovedProxy {
  id: number;
  address: string;
  username: string | null;
}

/** Removes by id (`3`, `#3`) or by `host:port` (refused with the ids when several users share it). */
export async function removeProxy(deps: CoreDeps, ref: string): Promise<RemovedProxy> {
  const text = ref.trim();
  const idMatch = /^#?(\d{1,9})$/.exec(text);
  let target: { id: number; host: string; port: number; username: string | null } | undefined;
  if (idMatch) {
    const id = Number(idMatch[1]);
    [target] = await deps.db
      .select({ id: proxies.id, host: proxies.host, port: proxies.port, username: proxies.username })
      .from(proxies)
      .where(eq(proxies.id, id));
    if (!target)
      throw new UserError('proxy_not_found', `No proxy has id ${id}. \`proxy list\` shows the ids.`);
  } else {
    const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
    if (!m) {
      throw new UserError(
        'proxy_ref_invalid',
        `"${maskSecrets(text)}" is neither a proxy id nor host:port. Example: \`proxy remove 3\` or \`proxy remove 1.2.3.4:8080\`.`,
      );
    }
    const host = (m[1] ?? '').toLowerCase();
    const port = Number(m[2]);
    const rows = await deps.db
      .select({ id: proxies.id, host: proxies.host, port: proxies.port, username: proxies.username })
      .from(proxies)
      .where(eq(proxies.host, host));
    const matches = rows.filter((r) => r.port === port);
    if (matches.length === 0)
      throw new UserError(
        'proxy_not_found',
        `No proxy ${host}:${port}. \`proxy list\` shows what is stored.`,
      );
    if (matches.length > 1) {
      throw new UserError(
        'proxy_ambiguous',
        `${matches.length} proxies use ${host}:${port} with different users (ids ${matches.map((r) => r.id).join(', ')}). Remove one by id, e.g. \`proxy remove ${matches[0]?.id}\`.`,
      );
    }
    target = matches[0];
  }
  if (!target) throw new UserError('proxy_not_found', 'No such proxy.');
  await deps.db.delete(proxies).where(eq(proxies.id, target.id));
  await notifyProxiesChanged(deps);
  const removed = { id: target.id, address: proxyAddress(target), username: target.username };
  await recordEvent(deps, {
    kind: 'proxy',
    message: `Removed proxy #${removed.id} ${removed.address}`,
    data: { id: removed.id },
  });
  deps.log.info({ proxyId: removed.id }, 'proxy removed');
  return removed;
}

export async function notifyProxiesChanged(deps: Pick<CoreDeps, 'sql'>): Promise<void> {
  await deps.sql`select pg_notify(${PROXY_CHANNEL}, 'changed')`;
}

export interface ProxyCredentials {
  id: number;
  host: string;
  port: number;
  username: string | null;
  password: string | null;
  enabled: boolean;
  health: string;
  coolingUntil: Date | null;
  cooldownLevel: number;
  /** Set when the stored password cannot be decrypted (CREDENTIALS_KEY missing or changed). */
  unreadable?: string;
}

function readPassword(
  enc: string | null,
  key: Buffer | undefined,
): { password: string | null; unreadable?: string } {
  if (!enc) return { password: null };
  try {
    return { password: decryptSecret(enc, key) };
  } catch (err) {
    return { password: null, unreadable: (err as Error).message };
  }
}

/** The usable form for the checker, passwords decrypted; never log or return these to a chat. */
export async function loadProxyCredentials(
  deps: Pick<CoreDeps, 'db' | 'credentialsKey'>,
): Promise<ProxyCredentials[]> {
  const rows = await deps.db.select().from(proxies).orderBy(asc(proxies.id));
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    port: r.port,
    username: r.username,
    ...readPassword(r.passwordEnc, deps.credentialsKey),
    enabled: r.enabled,
    health: r.health,
    coolingUntil: r.coolingUntil,
    cooldownLevel: r.cooldownLevel,
  }));
}

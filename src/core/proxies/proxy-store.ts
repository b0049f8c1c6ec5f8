import { asc, eq, inArray } from 'drizzle-orm';
import { decryptSecret, encryptSecret, proxyCredentialContext } from '../crypto/credentials.js';
import { proxies } from '../db/schema/index.js';
import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { recordEvent } from '../events.js';
import { maskSecrets } from '../mask.js';
import {
  maskProxyText,
  type ParsedProxy,
  PROXY_FORMATS,
  parseProxyLine,
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

/** A proxy that was stored already, given again with another password: the new one is stored. */
export type UpdatedProxy = AddedProxy;

export interface DuplicateProxy {
  lineNumber: number;
  address: string;
  username: string | null;
  /** The id already stored, or undefined when the line repeats an earlier line of the same input. */
  existingId?: number;
  repeatsLine?: number;
  /** Set when the repeated line has another password than the earlier one (the earlier one is kept). */
  otherPassword?: true;
}

export interface AddProxiesResult {
  added: AddedProxy[];
  updated: UpdatedProxy[];
  duplicates: DuplicateProxy[];
  refused: RefusedProxyLine[];
  /** Line numbers of the comment lines that were skipped. */
  comments: number[];
  /** Line numbers of the lines whose end, from a " #", was cut off as a comment. */
  trailingComments: number[];
}

const identity = (p: { host: string; port: number; username: string | null }) =>
  `${p.host}\u0000${p.port}\u0000${p.username ?? ''}`;

type StoredIdentity = {
  id: number;
  host: string;
  port: number;
  username: string | null;
  passwordEnc: string | null;
};

function samePassword(row: StoredIdentity, password: string | null, key: Buffer | undefined): boolean {
  const enc = row.passwordEnc;
  if (enc === null || password === null) return enc === null && password === null;
  try {
    return decryptSecret(enc, key, proxyCredentialContext(row)) === password;
  } catch {
    // Unreadable (CREDENTIALS_KEY changed, row edited): the new password replaces it.
    return false;
  }
}

/**
 * Adds proxies from text (one per line). Good lines are stored even when others are refused; the
 * result names every refused line with its reason and every duplicate with the id it duplicates. A
 * stored proxy given with another password gets the new password (and a fresh health record).
 */
export async function addProxies(deps: CoreDeps, text: string): Promise<AddProxiesResult> {
  const { proxies: parsed, refused, comments, trailingComments } = parseProxyList(text);
  if (parsed.length === 0 && refused.length === 0) {
    throw new UserError('proxy_none', `No proxy given. One per line: ${PROXY_FORMATS}.`);
  }
  if (parsed.some((p) => p.proxy.password !== null) && !deps.credentialsKey) {
    // Refuse before storing anything: a proxy without its password would fail every request.
    encryptSecret('', deps.credentialsKey, '');
  }
  const { unique, duplicates } = withoutRepeatedLines(parsed);
  const { added, updated, alreadyStored } = await storeProxies(deps, unique);
  duplicates.push(...alreadyStored);
  duplicates.sort((a, b) => a.lineNumber - b.lineNumber);
  if (added.length > 0 || updated.length > 0) {
    await notifyProxiesChanged(deps);
    await recordProxiesAdded(deps, {
      added,
      updated,
      duplicates: duplicates.length,
      refused: refused.length,
    });
  }
  deps.log.info(
    {
      added: added.length,
      updated: updated.length,
      duplicates: duplicates.length,
      refused: refused.length,
      comments: comments.length,
      trailingComments: trailingComments.length,
    },
    'proxies added',
  );
  return { added, updated, duplicates, refused, comments, trailingComments };
}

type ProxyLine = { lineNumber: number; proxy: ParsedProxy };

/** The first line of each proxy; later lines naming the same one are duplicates of it. */
function withoutRepeatedLines(parsed: readonly ProxyLine[]): {
  unique: ProxyLine[];
  duplicates: DuplicateProxy[];
} {
  const duplicates: DuplicateProxy[] = [];
  const firstSeen = new Map<string, { lineNumber: number; password: string | null }>();
  const unique: ProxyLine[] = [];
  for (const p of parsed) {
    const key = identity(p.proxy);
    const earlier = firstSeen.get(key);
    if (earlier !== undefined) {
      duplicates.push({
        lineNumber: p.lineNumber,
        address: proxyAddress(p.proxy),
        username: p.proxy.username,
        repeatsLine: earlier.lineNumber,
        ...(earlier.password !== p.proxy.password ? { otherPassword: true as const } : {}),
      });
      continue;
    }
    firstSeen.set(key, { lineNumber: p.lineNumber, password: p.proxy.password });
    unique.push(p);
  }
  return { unique, duplicates };
}

const identityColumns = {
  id: proxies.id,
  host: proxies.host,
  port: proxies.port,
  username: proxies.username,
  passwordEnc: proxies.passwordEnc,
};

async function storedIdentities(deps: Pick<CoreDeps, 'db'>, lines: readonly ProxyLine[]) {
  const hosts = [...new Set(lines.map((u) => u.proxy.host))];
  const rows = await deps.db.select(identityColumns).from(proxies).where(inArray(proxies.host, hosts));
  return new Map<string, StoredIdentity>(rows.map((r) => [identity(r), r]));
}

/** Inserts the proxies not stored yet; returns the ids of those this call inserted, by identity. */
async function insertProxies(deps: CoreDeps, fresh: readonly ProxyLine[]): Promise<Map<string, number>> {
  if (fresh.length === 0) return new Map();
  const inserted = await deps.db
    .insert(proxies)
    .values(
      fresh.map(({ proxy }) => ({
        host: proxy.host,
        port: proxy.port,
        username: proxy.username,
        passwordEnc:
          proxy.password === null
            ? null
            : encryptSecret(proxy.password, deps.credentialsKey, proxyCredentialContext(proxy)),
      })),
    )
    .onConflictDoNothing()
    .returning(identityColumns);
  return new Map(inserted.map((r) => [identity(r), r.id]));
}

async function storeProxies(
  deps: CoreDeps,
  unique: readonly ProxyLine[],
): Promise<{ added: AddedProxy[]; updated: UpdatedProxy[]; alreadyStored: DuplicateProxy[] }> {
  const added: AddedProxy[] = [];
  const updated: UpdatedProxy[] = [];
  const alreadyStored: DuplicateProxy[] = [];
  if (unique.length === 0) return { added, updated, alreadyStored };
  let stored = await storedIdentities(deps, unique);
  const fresh = unique.filter((u) => !stored.has(identity(u.proxy)));
  const insertedIds = await insertProxies(deps, fresh);
  const raced = fresh.filter((u) => !insertedIds.has(identity(u.proxy)));
  if (raced.length > 0) {
    // Added by someone else between the look-up and the insert: compare with what they stored.
    stored = new Map([...stored, ...(await storedIdentities(deps, raced))]);
  }
  for (const u of unique) {
    const key = identity(u.proxy);
    const entry = { lineNumber: u.lineNumber, address: proxyAddress(u.proxy), username: u.proxy.username };
    const id = insertedIds.get(key);
    const row = stored.get(key);
    if (id !== undefined) added.push({ id, ...entry });
    else if (row && !samePassword(row, u.proxy.password, deps.credentialsKey)) {
      await replacePassword(deps, row, u.proxy.password);
      updated.push({ id: row.id, ...entry });
    } else alreadyStored.push({ ...entry, existingId: row?.id });
  }
  return { added, updated, alreadyStored };
}

async function replacePassword(deps: CoreDeps, row: StoredIdentity, password: string | null): Promise<void> {
  await deps.db
    .update(proxies)
    .set({
      // Bound to the row's own identity (the same as the line's: that is how it was matched).
      passwordEnc:
        password === null ? null : encryptSecret(password, deps.credentialsKey, proxyCredentialContext(row)),
      // The old health was earned with the old password (often a 407): start again.
      health: 'unknown',
      coolingUntil: null,
      cooldownLevel: 0,
      lastError: null,
    })
    .where(eq(proxies.id, row.id));
}

async function recordProxiesAdded(
  deps: CoreDeps,
  result: { added: AddedProxy[]; updated: UpdatedProxy[]; duplicates: number; refused: number },
): Promise<void> {
  const { added, updated } = result;
  const parts = [
    added.length > 0
      ? `Added ${added.length} prox${added.length === 1 ? 'y' : 'ies'}: ${added.map((a) => `#${a.id} ${a.address}`).join(', ')}`
      : '',
    updated.length > 0
      ? `updated the password of ${updated.map((a) => `#${a.id} ${a.address}`).join(', ')}`
      : '',
  ].filter(Boolean);
  const message = parts.join('; ');
  await recordEvent(deps, {
    kind: 'proxy',
    message: message.charAt(0).toUpperCase() + message.slice(1),
    data: {
      added: added.map((a) => a.id),
      updated: updated.map((a) => a.id),
      duplicates: result.duplicates,
      refused: result.refused,
    },
  });
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

/**
 * Removes by id (`3`, `#3`), by `host:port` (refused with the ids when several users share it), or by
 * the proxy as it was added (`ip:port:user:pass`, `host:port:user`), which names the user too.
 */
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
    const ident = proxyRef(text);
    if (!ident) {
      throw new UserError(
        'proxy_ref_invalid',
        `"${maskProxyText(text)}" is neither a proxy id nor host:port. Example: \`proxy remove 3\` or \`proxy remove 1.2.3.4:8080\`.`,
      );
    }
    const { host, port, username } = ident;
    const rows = await deps.db
      .select({ id: proxies.id, host: proxies.host, port: proxies.port, username: proxies.username })
      .from(proxies)
      .where(eq(proxies.host, host));
    const matches = rows.filter(
      (r) => r.port === port && (username === undefined || r.username === username),
    );
    const shown = `${host}:${port}${username ? ` (user ${username})` : ''}`;
    if (matches.length === 0)
      throw new UserError('proxy_not_found', `No proxy ${shown}. \`proxy list\` shows what is stored.`);
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

/** `host:port` (any user), or a whole proxy line / `host:port:user` (that user). */
function proxyRef(text: string): { host: string; port: number; username?: string | null } | undefined {
  const m = /^(\[[^\]]+\]|[^:\s@]+):(\d{1,5})$/.exec(text);
  if (m) return { host: (m[1] ?? '').toLowerCase(), port: Number(m[2]) };
  const parsed = parseProxyLine(text);
  if (parsed.ok) return parsed.proxy;
  const withUser = /^(\[[^\]]+\]|[^:\s@]+):(\d{1,5}):([^:\s]+)$/.exec(text);
  if (withUser)
    return { host: (withUser[1] ?? '').toLowerCase(), port: Number(withUser[2]), username: withUser[3] };
  return undefined;
}

export async function notifyProxiesChanged(deps: Pick<CoreDeps, 'sql'>): Promise<void> {
  await deps.sql`select pg_notify(${PROXY_CHANNEL}, 'changed')`;
}

/** Calls `listener` whenever a proxy is added, changed or removed (from any process); returns the stop. */
export async function onProxiesChanged(
  deps: Pick<CoreDeps, 'sql'>,
  listener: () => void,
): Promise<() => Promise<void>> {
  const sub = await deps.sql.listen(PROXY_CHANNEL, listener);
  return () => sub.unlisten();
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
  /**
   * Set when the stored password cannot be decrypted: CREDENTIALS_KEY missing or changed, or the
   * row's host, port or user edited in the database (the password is bound to them).
   */
  unreadable?: string;
}

function readPassword(
  row: { host: string; port: number; username: string | null; passwordEnc: string | null },
  key: Buffer | undefined,
): { password: string | null; unreadable?: string } {
  if (!row.passwordEnc) return { password: null };
  try {
    return { password: decryptSecret(row.passwordEnc, key, proxyCredentialContext(row)) };
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
    ...readPassword(r, deps.credentialsKey),
    enabled: r.enabled,
    health: r.health,
    coolingUntil: r.coolingUntil,
    cooldownLevel: r.cooldownLevel,
  }));
}

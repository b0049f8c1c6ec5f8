import { and, asc, sql as dsql, eq, inArray, isNotNull } from 'drizzle-orm';
import { decryptSecret, encryptSecret, sessionCredentialContext } from '../crypto/credentials.js';
import { igSessions, proxies } from '../db/schema/index.js';
import type { CoreDeps } from '../deps.js';
import { UserError } from '../errors.js';
import { recordEvent } from '../events.js';
import { maskSecrets, maskValue } from '../mask.js';
import { notifyProxiesChanged } from '../proxies/proxy-store.js';
import { parseSessionInput, type SessionCookies } from './parse-cookies.js';

export interface AddedSession {
  id: number;
  dsUserId: string;
  /** True when a session for this account existed and its cookies were replaced. */
  replaced: boolean;
  userAgent: string | null;
}

/** Stores a session encrypted; adding the same account again replaces its cookies and re-enables it. */
export async function addSession(deps: CoreDeps, cookieText: string): Promise<AddedSession> {
  const { userAgent, ...cookies } = parseSessionInput(cookieText);
  // Bound to the account: cookies moved to another row in the database no longer decrypt.
  const enc = encryptSecret(
    JSON.stringify(cookies),
    deps.credentialsKey,
    sessionCredentialContext(cookies.dsUserId),
  );
  const [row] = await deps.db
    .insert(igSessions)
    .values({ dsUserId: cookies.dsUserId, cookiesEnc: enc, userAgent: userAgent ?? null })
    .onConflictDoUpdate({
      target: igSessions.dsUserId,
      set: { cookiesEnc: enc, status: 'active', disabledReason: null, userAgent: userAgent ?? null },
    })
    .returning({ id: igSessions.id, createdAt: igSessions.createdAt, inserted: dsql<boolean>`(xmax = 0)` });
  if (!row) throw new Error('session insert returned no row');
  const added = {
    id: row.id,
    dsUserId: cookies.dsUserId,
    replaced: !row.inserted,
    userAgent: userAgent ?? null,
  };
  await recordEvent(deps, {
    kind: 'session',
    message: `${added.replaced ? 'Replaced' : 'Added'} Instagram session #${added.id} (account ${added.dsUserId})`,
    data: { id: added.id, replaced: added.replaced },
  });
  await notifyProxiesChanged(deps);
  deps.log.info({ sessionId: added.id, replaced: added.replaced }, 'instagram session stored');
  return added;
}

export interface SessionListItem {
  id: number;
  dsUserId: string;
  /** `ab***yz`: enough to tell two sessions apart, never the cookie. */
  sessionid: string;
  proxyId: number | null;
  proxyAddress: string | null;
  status: string;
  disabledReason: string | null;
  lastUsedAt: Date | null;
}

export async function listSessions(
  deps: Pick<CoreDeps, 'db' | 'credentialsKey'>,
): Promise<SessionListItem[]> {
  const rows = await deps.db
    .select({ s: igSessions, host: proxies.host, port: proxies.port })
    .from(igSessions)
    .leftJoin(proxies, eq(proxies.id, igSessions.proxyId))
    .orderBy(asc(igSessions.id));
  return rows.map(({ s, host, port }) => {
    let masked = '***';
    try {
      masked = maskValue(
        (
          JSON.parse(
            decryptSecret(s.cookiesEnc, deps.credentialsKey, sessionCredentialContext(s.dsUserId)),
          ) as SessionCookies
        ).sessionid,
      );
    } catch {
      masked = '(cannot decrypt)';
    }
    return {
      id: s.id,
      dsUserId: s.dsUserId,
      sessionid: masked,
      proxyId: s.proxyId,
      proxyAddress: host !== null && port !== null ? `${host}:${port}` : null,
      status: s.status,
      disabledReason: s.disabledReason === null ? null : maskSecrets(s.disabledReason),
      lastUsedAt: s.lastUsedAt,
    };
  });
}

function parseId(ref: string): number {
  const m = /^#?(\d{1,9})$/.exec(ref.trim());
  if (!m)
    throw new UserError(
      'session_ref_invalid',
      `"${maskSecrets(ref.trim())}" is not a session id. \`session list\` shows the ids.`,
    );
  return Number(m[1]);
}

export async function removeSession(deps: CoreDeps, ref: string): Promise<{ id: number; dsUserId: string }> {
  const id = parseId(ref);
  const [row] = await deps.db
    .delete(igSessions)
    .where(eq(igSessions.id, id))
    .returning({ id: igSessions.id, dsUserId: igSessions.dsUserId });
  if (!row)
    throw new UserError('session_not_found', `No session has id ${id}. \`session list\` shows the ids.`);
  await notifyProxiesChanged(deps);
  await recordEvent(deps, {
    kind: 'session',
    message: `Removed Instagram session #${row.id} (account ${row.dsUserId})`,
    data: { id: row.id },
  });
  return row;
}

/**
 * Disables a session Instagram refused (login_required, challenge, answering empty). Returns when it
 * was disabled, or null if it already was: alerts are keyed by that moment, so the same account
 * re-added and refused again is announced again.
 */
export async function disableSession(deps: CoreDeps, id: number, reason: string): Promise<Date | null> {
  const why = maskSecrets(reason);
  const rows = await deps.db
    .update(igSessions)
    .set({ status: 'disabled', disabledReason: why, disabledAt: deps.clock.now() })
    .where(and(eq(igSessions.id, id), eq(igSessions.status, 'active')))
    .returning({ id: igSessions.id, dsUserId: igSessions.dsUserId, disabledAt: igSessions.disabledAt });
  const row = rows[0];
  if (!row) return null;
  await notifyProxiesChanged(deps);
  await recordEvent(deps, {
    kind: 'session',
    level: 'warn',
    message: `Instagram session #${row.id} (account ${row.dsUserId}) disabled: ${why}. Add fresh cookies with \`session add\`.`,
    data: { id: row.id, reason: why },
  });
  deps.log.warn({ sessionId: row.id, reason: why }, 'instagram session disabled');
  return row.disabledAt ?? deps.clock.now();
}

export interface SessionCredentials extends SessionCookies {
  id: number;
  proxyId: number | null;
  userAgent: string | null;
}

export async function loadActiveSessions(
  deps: Pick<CoreDeps, 'db' | 'credentialsKey' | 'log'>,
): Promise<SessionCredentials[]> {
  const rows = await deps.db
    .select()
    .from(igSessions)
    .where(eq(igSessions.status, 'active'))
    .orderBy(asc(igSessions.id));
  const out: SessionCredentials[] = [];
  for (const r of rows) {
    try {
      const cookies = JSON.parse(
        decryptSecret(r.cookiesEnc, deps.credentialsKey, sessionCredentialContext(r.dsUserId)),
      ) as SessionCookies;
      out.push({ ...cookies, id: r.id, proxyId: r.proxyId, userAgent: r.userAgent });
    } catch (err) {
      // One unreadable session (key changed) must not stop the others from being used.
      deps.log.error({ sessionId: r.id, err }, 'session cannot be decrypted; skipped');
    }
  }
  return out;
}

/**
 * Sticky assignment: a session keeps its proxy for as long as that proxy exists, because a session
 * hopping between IPs gets challenged. A session without one gets the usable proxy carrying the
 * fewest sessions. Returns the proxy id, or null when no proxy is usable.
 */
export async function assignSessionProxy(
  deps: Pick<CoreDeps, 'db'>,
  sessionId: number,
  usableProxyIds: readonly number[],
): Promise<number | null> {
  const [session] = await deps.db
    .select({ proxyId: igSessions.proxyId })
    .from(igSessions)
    .where(eq(igSessions.id, sessionId));
  if (!session) return null;
  if (session.proxyId !== null) return session.proxyId;
  if (usableProxyIds.length === 0) return null;
  const loads = await deps.db
    .select({ proxyId: igSessions.proxyId, n: dsql<number>`count(*)::int` })
    .from(igSessions)
    .where(and(isNotNull(igSessions.proxyId), inArray(igSessions.proxyId, [...usableProxyIds])))
    .groupBy(igSessions.proxyId);
  const load = new Map(loads.map((l) => [l.proxyId, l.n]));
  const chosen =
    [...usableProxyIds].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b)[0] ?? null;
  if (chosen === null) return null;
  // Only set it if still unassigned, so two workers racing agree on one proxy.
  await deps.db
    .update(igSessions)
    .set({ proxyId: chosen })
    .where(and(eq(igSessions.id, sessionId), dsql`${igSessions.proxyId} is null`));
  const [after] = await deps.db
    .select({ proxyId: igSessions.proxyId })
    .from(igSessions)
    .where(eq(igSessions.id, sessionId));
  return after?.proxyId ?? null;
}

export async function touchSession(deps: Pick<CoreDeps, 'db' | 'clock'>, sessionId: number): Promise<void> {
  await deps.db.update(igSessions).set({ lastUsedAt: deps.clock.now() }).where(eq(igSessions.id, sessionId));
}

import { and, eq, like } from 'drizzle-orm';
import { igSessions, proxies } from '../db/schema/index.js';
import type { CoreDeps } from '../deps.js';
import {
  decryptSecret,
  encryptSecret,
  proxyCredentialContext,
  sessionCredentialContext,
} from './credentials.js';

export interface CredentialBindingUpgrade {
  /** Proxy passwords re-encrypted from v1 to v2 (bound to host, port and user). */
  proxies: number;
  /** Session cookie sets re-encrypted from v1 to v2 (bound to the account). */
  sessions: number;
  /** v1 values the current CREDENTIALS_KEY cannot read: left as they are (re-add them). */
  unreadable: number;
}

/**
 * Re-encrypts every stored v1 credential (no associated data) as v2, bound to its row, in one
 * transaction. Idempotent: v2 rows are not touched, so a second run (or a second process starting at
 * the same time, which waits on the row locks) changes nothing. Needs CREDENTIALS_KEY.
 */
export async function upgradeCredentialBinding(
  deps: Pick<CoreDeps, 'db' | 'log' | 'credentialsKey'>,
): Promise<CredentialBindingUpgrade> {
  const key = deps.credentialsKey;
  const result: CredentialBindingUpgrade = { proxies: 0, sessions: 0, unreadable: 0 };
  if (!key) return result;
  await deps.db.transaction(async (tx) => {
    const oldProxies = await tx
      .select({
        id: proxies.id,
        host: proxies.host,
        port: proxies.port,
        username: proxies.username,
        passwordEnc: proxies.passwordEnc,
      })
      .from(proxies)
      .where(like(proxies.passwordEnc, 'v1.%'))
      .for('update');
    for (const row of oldProxies) {
      if (row.passwordEnc === null) continue;
      const context = proxyCredentialContext(row);
      let plain: string;
      try {
        plain = decryptSecret(row.passwordEnc, key, context);
      } catch (err) {
        result.unreadable++;
        deps.log.warn({ proxyId: row.id, err }, 'proxy password cannot be decrypted; left as it is');
        continue;
      }
      await tx
        .update(proxies)
        .set({ passwordEnc: encryptSecret(plain, key, context) })
        .where(and(eq(proxies.id, row.id), eq(proxies.passwordEnc, row.passwordEnc)));
      result.proxies++;
    }

    const oldSessions = await tx
      .select({ id: igSessions.id, dsUserId: igSessions.dsUserId, cookiesEnc: igSessions.cookiesEnc })
      .from(igSessions)
      .where(like(igSessions.cookiesEnc, 'v1.%'))
      .for('update');
    for (const row of oldSessions) {
      const context = sessionCredentialContext(row.dsUserId);
      let plain: string;
      try {
        plain = decryptSecret(row.cookiesEnc, key, context);
      } catch (err) {
        result.unreadable++;
        deps.log.warn({ sessionId: row.id, err }, 'session cookies cannot be decrypted; left as they are');
        continue;
      }
      await tx
        .update(igSessions)
        .set({ cookiesEnc: encryptSecret(plain, key, context) })
        .where(and(eq(igSessions.id, row.id), eq(igSessions.cookiesEnc, row.cookiesEnc)));
      result.sessions++;
    }
  });
  if (result.proxies + result.sessions + result.unreadable > 0)
    deps.log.info(result, 'stored credentials bound to their rows (v1 to v2)');
  return result;
}

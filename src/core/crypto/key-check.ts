import { asc, isNotNull } from 'drizzle-orm';
import { igSessions, proxies } from '../db/schema/index.js';
import type { CoreDeps } from '../deps.js';
import { decryptSecret, proxyCredentialContext, sessionCredentialContext } from './credentials.js';

/** How many stored credentials of each kind are tried: enough to tell a wrong key from one edited row. */
const SAMPLE = 20;

export interface CredentialsKeyCheck {
  /** Stored credentials tried (proxy passwords and session cookie sets, at most 20 of each). */
  tried: number;
  /** Of those, how many the key decrypts. */
  readable: number;
}

/**
 * Tries `key` on the stored credentials. A key that reads none of several stored values is not the key
 * they were written with; one unreadable row among readable ones is an edited row, not a wrong key.
 */
export async function checkCredentialsKey(
  deps: Pick<CoreDeps, 'db'>,
  key: Buffer | undefined,
): Promise<CredentialsKeyCheck> {
  const proxyRows = await deps.db
    .select({
      host: proxies.host,
      port: proxies.port,
      username: proxies.username,
      passwordEnc: proxies.passwordEnc,
    })
    .from(proxies)
    .where(isNotNull(proxies.passwordEnc))
    .orderBy(asc(proxies.id))
    .limit(SAMPLE);
  const sessionRows = await deps.db
    .select({ dsUserId: igSessions.dsUserId, cookiesEnc: igSessions.cookiesEnc })
    .from(igSessions)
    .orderBy(asc(igSessions.id))
    .limit(SAMPLE);
  const attempts = [
    ...proxyRows.map((r) => () => decryptSecret(r.passwordEnc ?? '', key, proxyCredentialContext(r))),
    ...sessionRows.map((r) => () => decryptSecret(r.cookiesEnc, key, sessionCredentialContext(r.dsUserId))),
  ];
  let readable = 0;
  if (key) {
    for (const attempt of attempts) {
      try {
        attempt();
        readable++;
      } catch {
        // counted as unreadable
      }
    }
  }
  return { tried: attempts.length, readable };
}

import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { maskSecrets } from '../core/mask.js';

/**
 * At start-up Postgres or Redis may still be coming up (a reboot, `docker compose up`, a laptop that
 * just woke): wait for them a while, saying so once, instead of failing at the first refusal or, worse,
 * hanging silently on a Redis that never answers. A refusal that waiting cannot cure (a wrong password,
 * no right to create the database) fails at once with what to change.
 */
export interface WaitOptions {
  log: Pick<Logger, 'warn' | 'info'>;
  timeoutMs: number;
  everyMs?: number;
}

const TRANSIENT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|CONNECT_TIMEOUT|57P03|the database system is (starting|shutting) up|Connection is closed|timed out/i;

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = maskSecrets(e?.message ?? String(err));
  return e?.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

export async function untilReachable<T>(
  what: string,
  attempt: () => Promise<T>,
  hint: (err: unknown) => string | undefined,
  options: WaitOptions,
): Promise<T> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let said = false;
  for (;;) {
    try {
      const value = await attempt();
      if (said) options.log.info({ service: what }, `${what} answered`);
      return value;
    } catch (err) {
      const reason = describe(err);
      const cure = hint(err);
      const transient = TRANSIENT.test(reason) || TRANSIENT.test(String((err as { code?: string })?.code));
      if (!transient || Date.now() >= deadline) {
        const waitedS = Math.round((Date.now() - started) / 1000);
        const waited = transient && options.timeoutMs > 0 ? ` (waited ${waitedS} s)` : '';
        throw new Error(`cannot use ${what}${waited}: ${reason}${cure ? `. ${cure}` : ''}`);
      }
      if (!said) {
        options.log.warn(
          { service: what, err, waitS: Math.round(options.timeoutMs / 1000) },
          `${what} is not answering yet; waiting for it`,
        );
        said = true;
      }
      await new Promise((r) => setTimeout(r, options.everyMs ?? 1_000));
    }
  }
}

/** What to change for the Postgres refusals that waiting cannot cure. */
export function postgresHint(url: string): (err: unknown) => string | undefined {
  const where = maskSecrets(url);
  return (err) => {
    const code = (err as { code?: string })?.code;
    if (code === '28P01' || code === '28000')
      return `Postgres refused the login in DATABASE_URL (${where}): give a user and password it accepts, e.g. postgres://storywatch:PASSWORD@127.0.0.1:5432/storywatch`;
    if (code === '42501')
      return `The user in DATABASE_URL may not create the database: create it once (createdb) or grant that user CREATEDB`;
    if (/ECONNREFUSED|ENOTFOUND/.test(String(code)))
      return `Is Postgres running and listening where DATABASE_URL (${where}) points?`;
    return undefined;
  };
}

/** One PING on a connection of its own that does not retry, so a dead Redis fails the attempt. */
export async function pingRedis(url: string): Promise<void> {
  const conn = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 3_000,
    connectionName: 'storywatch:startup',
  });
  // ioredis rejects connect() with "Connection is closed"; the reason (ECONNREFUSED...) comes as an event.
  let reason: Error | undefined;
  conn.on('error', (err: Error) => {
    reason ??= err;
  });
  try {
    await conn.connect();
    await conn.ping();
  } catch (err) {
    throw reason ?? err;
  } finally {
    conn.disconnect();
  }
}

export function redisHint(url: string): (err: unknown) => string | undefined {
  const where = maskSecrets(url);
  return (err) => {
    const message = err instanceof Error ? err.message : String(err);
    if (/NOAUTH|WRONGPASS|invalid password/i.test(message))
      return `Redis wants a password: put it in REDIS_URL (redis://:PASSWORD@host:6379)`;
    if (/ECONNREFUSED|ENOTFOUND|timed out|CONNECT_TIMEOUT/i.test(message))
      return `Is Redis running and listening where REDIS_URL (${where}) points?`;
    return undefined;
  };
}

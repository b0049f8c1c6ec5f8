import { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import { parseCredentialsKey } from '../core/crypto/credentials.js';
import { connectDatabase, type Database } from '../core/db/client.js';
import { type CoreDeps, systemClock } from '../core/deps.js';
import { CONNECTION_TROUBLE } from '../core/log-throttle.js';
import { createLogger, type Logger } from '../core/logger.js';
import { maskSecrets } from '../core/mask.js';

/**
 * An 'error' listener for a BullMQ Queue: without one BullMQ prints every error as a stack trace.
 * Connection trouble is already logged (once a minute) by the connection itself; anything else is said.
 */
export function queueErrorLogger(log: Logger, queue: string): (err: Error) => void {
  return (err) => {
    if (!CONNECTION_TROUBLE.test(err.message))
      log.warn({ queue, errMessage: maskSecrets(err.message) }, 'queue error');
  };
}

/** The composition root's shared pieces: one of these per process. */
export interface AppContext {
  env: Env;
  log: Logger;
  database: Database;
  core: CoreDeps;
  /**
   * A new Redis connection with the options BullMQ workers require. `pipelined` sends the commands
   * issued in one tick in one write (the caps and budgets, asked by twenty lanes at once); never for
   * BullMQ's own connections, whose blocking commands must not share a write with others.
   */
  redis(name: string, options?: { pipelined?: boolean }): Redis;
  close(): Promise<void>;
}

export function createAppContext(env: Env, log: Logger = createLogger({ level: env.LOG_LEVEL })): AppContext {
  const database = connectDatabase(env.DATABASE_URL);
  const credentialsKey = parseCredentialsKey(env.CREDENTIALS_KEY);
  const connections: Redis[] = [];
  const core: CoreDeps = { db: database.db, sql: database.sql, log, clock: systemClock, credentialsKey };
  return {
    env,
    log,
    database,
    core,
    redis(name: string, options: { pipelined?: boolean } = {}) {
      // maxRetriesPerRequest: null is what BullMQ requires for blocking workers (going-to-production).
      const conn = new Redis(env.REDIS_URL, {
        maxRetriesPerRequest: null,
        connectionName: `storywatch:${name}`,
        enableAutoPipelining: options.pipelined === true,
      });
      // ioredis reports every failed reconnect: say the first, then at most one line a minute per connection.
      let quietUntil = 0;
      let suppressed = 0;
      conn.on('error', (err) => {
        const now = Date.now();
        if (now < quietUntil) {
          suppressed++;
          return;
        }
        quietUntil = now + 60_000;
        log.warn({ redis: name, errMessage: maskSecrets(err.message), suppressed }, 'redis connection error');
        suppressed = 0;
      });
      conn.on('ready', () => {
        quietUntil = 0;
      });
      connections.push(conn);
      return conn;
    },
    async close() {
      await Promise.allSettled(connections.map((c) => c.quit()));
      await database.close();
    },
  };
}

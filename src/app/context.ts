import { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import { parseCredentialsKey } from '../core/crypto/credentials.js';
import { connectDatabase, type Database } from '../core/db/client.js';
import { type CoreDeps, systemClock } from '../core/deps.js';
import { createLogger, type Logger } from '../core/logger.js';
import { createDeliveryProducer } from '../delivery/producer.js';
import type { DeliveryProducer } from '../delivery/types.js';
import type { ProcessDeps, RedisFactory } from '../runtime/deps.js';

/**
 * The composition root's shared pieces: one of these per process. Only `src/app` and `main.ts` see
 * it; every part below gets the narrow `ProcessDeps` it is typed with (an AppContext is one), plus
 * what else it names.
 */
export interface AppContext extends ProcessDeps {
  env: Env;
  database: Database;
  /** The process's one delivery producer: whatever any role says in a chat goes through it. */
  deliveries: DeliveryProducer;
  close(): Promise<void>;
}

export function createAppContext(env: Env, log: Logger = createLogger({ level: env.LOG_LEVEL })): AppContext {
  const database = connectDatabase(env.DATABASE_URL);
  const credentialsKey = parseCredentialsKey(env.CREDENTIALS_KEY);
  const connections: Redis[] = [];
  const core: CoreDeps = { db: database.db, sql: database.sql, log, clock: systemClock, credentialsKey };
  const redis: RedisFactory = (name, options = {}) => {
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
      log.warn({ redis: name, err, suppressed }, 'redis connection error');
      suppressed = 0;
    });
    conn.on('ready', () => {
      quietUntil = 0;
    });
    connections.push(conn);
    return conn;
  };
  const deliveries = createDeliveryProducer({ core, log, redis, queuePrefix: env.QUEUE_PREFIX });
  return {
    env,
    log,
    database,
    core,
    redis,
    queuePrefix: env.QUEUE_PREFIX,
    deliveries,
    async close() {
      await deliveries.close();
      await Promise.allSettled(connections.map((c) => c.quit()));
      await database.close();
    },
  };
}

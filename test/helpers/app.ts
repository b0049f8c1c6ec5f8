import { randomBytes, randomUUID } from 'node:crypto';
import { type AppContext, createAppContext } from '../../src/app/context.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/core/logger.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { LogCapture } from './deps.js';
import { deleteRedisPrefix } from './redis.js';

export interface TestApp extends AppContext {
  testDatabase: TestDatabase;
  logs: LogCapture;
  /** Deletes this app's Redis keys only (the Redis server is shared with other test files). */
  wipeRedis(): Promise<void>;
  /** Closes connections, drops the database and deletes this app's Redis keys. */
  destroy(): Promise<void>;
}

/**
 * A whole AppContext on its own database and its own Redis key prefix, so test files can run side by
 * side. `env` overrides go through the real env schema.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const testDatabase = await createTestDatabase();
  const prefix = `sw-test-${randomUUID().slice(0, 8)}`;
  const parsed = loadEnv({
    DATABASE_URL: testDatabase.url,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'debug',
    CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    HTTP_PORT: '0',
    ...env,
  });
  const logs = new LogCapture();
  const log = createLogger({ level: 'debug' }, logs);
  // The test database's pool is reused; createAppContext opens its own, which we close in destroy().
  const app = createAppContext(parsed, log);
  const wipeRedis = () => deleteRedisPrefix(prefix, parsed.REDIS_URL);
  return {
    ...app,
    testDatabase,
    logs,
    wipeRedis,
    async destroy() {
      await app.close();
      await wipeRedis();
      await testDatabase.drop();
    },
  };
}

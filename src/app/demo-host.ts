import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type ConsoleBackend, type ConsoleOutput, runConsole } from '../bot/console/run-console.js';
import { type Env, loadEnv } from '../config/env.js';
import { resetDemoDatabase } from '../core/db/demo-database.js';
import { createLogger } from '../core/logger.js';
import { setProfilesPerMinute, setThreads } from '../core/settings.js';
import type { DemoHost, DemoSession } from '../demo/run-demo.js';
import { createAppContext } from './context.js';
import { resolveCredentialsKey } from './credentials-key.js';
import { logOutput } from './log-output.js';
import { createCommandServices } from './services.js';
import { createShutdown } from './shutdown.js';
import { pingRedis, postgresHint, redisHint, untilReachable } from './wait-for-services.js';
import { startWorkerRole } from './worker-role.js';

/** The project folder: the demo's data directory is taken from here, like the service's. */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The demo's configuration: the Postgres server and Redis of DATABASE_URL / REDIS_URL (defaults: this
 * machine), but its own database (`<name>_demo`), its own key prefix (`<QUEUE_PREFIX>-demo`) and its own
 * data folder (`<STORYWATCH_DATA_DIR>/demo`), so it never touches the service's data. The simulator's URL
 * is passed here, in-process; no variable of the service can name it.
 */
export function demoEnv(source: NodeJS.ProcessEnv, instagramUrl: string): Env {
  const base = loadEnv({
    DATABASE_URL: source.DATABASE_URL,
    REDIS_URL: source.REDIS_URL,
    QUEUE_PREFIX: source.QUEUE_PREFIX,
    STORYWATCH_DATA_DIR: source.STORYWATCH_DATA_DIR,
  });
  const db = new URL(base.DATABASE_URL);
  const name = decodeURIComponent(db.pathname.replace(/^\//, '')) || 'storywatch';
  db.pathname = `/${name}_demo`;
  const dataDir = isAbsolute(base.STORYWATCH_DATA_DIR)
    ? base.STORYWATCH_DATA_DIR
    : resolve(PROJECT_ROOT, base.STORYWATCH_DATA_DIR);
  return loadEnv({
    DATABASE_URL: db.toString(),
    REDIS_URL: base.REDIS_URL,
    QUEUE_PREFIX: `${base.QUEUE_PREFIX}-demo`.slice(0, 40),
    STORYWATCH_DATA_DIR: resolve(dataDir, 'demo'),
    INSTAGRAM_WEB_URL: instagramUrl,
    // The simulator answers in milliseconds: the fastest rate the settings allow keeps the demo short.
    PROXY_REQUESTS_PER_MINUTE: '600',
    CHECK_TIMEOUT_MS: '5000',
    LOG_LEVEL: source.LOG_LEVEL ?? 'error',
    STORYWATCH_ROLES: 'worker',
    HTTP_PORT: '0',
  });
}

/** Deletes every key under `prefix:` (the demo's queues, limits and budgets), leaving the rest of Redis. */
async function deleteKeysUnder(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The env a shell needs for `npx storywatch ...` against this demo (a database password is not shown). */
function shellEnv(env: Env): Record<string, string> {
  const db = new URL(env.DATABASE_URL);
  if (db.password) db.password = 'PASSWORD';
  return {
    DATABASE_URL: db.toString(),
    ...(env.REDIS_URL === 'redis://127.0.0.1:6379'
      ? {}
      : { REDIS_URL: env.REDIS_URL.replace(/:[^:@/]*@/, ':PASSWORD@') }),
    QUEUE_PREFIX: env.QUEUE_PREFIX,
    STORYWATCH_DATA_DIR: env.STORYWATCH_DATA_DIR,
    INSTAGRAM_WEB_URL: env.INSTAGRAM_WEB_URL,
    PROXY_REQUESTS_PER_MINUTE: String(env.PROXY_REQUESTS_PER_MINUTE),
  };
}

/** Postgres and Redis must answer now: the demo says which one does not and what to check. */
async function prepareServices(env: Env, log: ReturnType<typeof createLogger>): Promise<void> {
  const now = { log, timeoutMs: 0 };
  await untilReachable(
    'Postgres',
    () => resetDemoDatabase(env.DATABASE_URL),
    postgresHint(env.DATABASE_URL),
    now,
  );
  await untilReachable('Redis', () => pingRedis(env.REDIS_URL), redisHint(env.REDIS_URL), now);
  await deleteKeysUnder(env.REDIS_URL, env.QUEUE_PREFIX);
}

/**
 * Opens the demo: an emptied database of its own, its Redis prefix cleared, a worker in this process
 * (no chat bots, no scheduler, no HTTP port) checking through the simulator, and a console bound to it.
 */
async function openDemo(env: Env, io: ConsoleOutput): Promise<DemoSession> {
  const log = createLogger({ level: env.LOG_LEVEL }, logOutput(env.LOG_FORMAT, process.stderr));
  await prepareServices(env, log);
  const app = createAppContext(env, log);
  const shutdown = createShutdown({ log, exit: () => {} });
  shutdown.add('connections', () => app.close());
  app.core.credentialsKey = await resolveCredentialsKey(env, app.core, log);
  await setProfilesPerMinute(app.core, 600);
  await setThreads(app.core, 6);
  // A 429 from the simulator cools a proxy for a second or two, not the service's minute.
  await startWorkerRole(app, shutdown, { checker: { cooldownBaseMs: 1_500, cooldownMaxMs: 6_000 } });
  const commands = createCommandServices(app, { redisCheckMs: 5_000 });
  shutdown.add('command services', () => commands.close());
  const backend: ConsoleBackend = {
    registerDiscord: () => Promise.reject(new Error('the demo has no Discord application')),
    // One database and set of services for every step, open until the demo closes.
    withCommandBase: (work) => work({ core: app.core, services: commands.services }),
  };
  return {
    core: app.core,
    databaseName: new URL(env.DATABASE_URL).pathname.slice(1),
    dataDir: env.STORYWATCH_DATA_DIR,
    shellEnv: shellEnv(env),
    console: (argv) => runConsole(argv, { configure: () => backend }, io, { followPollMs: 150 }),
    async close() {
      await shutdown.run('demo finished');
      await deleteKeysUnder(env.REDIS_URL, env.QUEUE_PREFIX).catch(() => {});
    },
  };
}

/** `storywatch demo` / `npm run demo`: the walkthrough of src/demo on this machine's Postgres and Redis. */
export function demoHost(source: NodeJS.ProcessEnv, io: ConsoleOutput): DemoHost {
  return { open: (instagramUrl) => openDemo(demoEnv(source, instagramUrl), io) };
}

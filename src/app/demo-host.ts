import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type ConsoleBackend, type ConsoleOutput, runConsole } from '../bot/console/run-console.js';
import { type Env, loadEnv } from '../config/env.js';
import { resetDemoDatabase } from '../core/db/demo-database.js';
import { createLogger } from '../core/logger.js';
import { setProfilesPerMinute, setThreads } from '../core/settings.js';
import { DemoBusyError, type DemoHost, type DemoSession } from '../demo/run-demo.js';
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

/**
 * One demo at a time per database and prefix: a second one would drop the first one's database (with
 * force, cutting its worker's connections) and delete its queue keys, so a kept demo would silently
 * break. The mark lives in Redis beside the prefix (not under it, so clearing the prefix keeps it) and
 * expires on its own when its holder dies without cleaning up.
 */
const LOCK_TTL_MS = 15_000;

interface DemoLock {
  release(): Promise<void>;
}

async function takeDemoLock(env: Env, databaseName: string): Promise<DemoLock> {
  const key = `${env.QUEUE_PREFIX}.running`;
  const token = randomUUID();
  const holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token };
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
  await redis.connect();
  const value = JSON.stringify(holder);
  let taken: string | null = await redis.set(key, value, 'PX', LOCK_TTL_MS, 'NX');
  if (taken !== 'OK') {
    const other = await redis.get(key).catch(() => null);
    // A demo on this machine that was killed (its process is gone): its place is free at once.
    if (other && deadHereHolder(other))
      taken = (await redis.eval(TAKE_OVER, 1, key, other, value, LOCK_TTL_MS)) as string | null;
    if (taken !== 'OK') {
      redis.disconnect();
      throw new DemoBusyError(busyMessage(other, databaseName, env.QUEUE_PREFIX));
    }
  }
  const renew = setInterval(() => {
    redis.pexpire(key, LOCK_TTL_MS).catch(() => {});
  }, LOCK_TTL_MS / 3);
  renew.unref();
  return {
    async release() {
      clearInterval(renew);
      try {
        // Only our own mark: a demo started after ours expired must keep its own.
        if ((await redis.get(key))?.includes(token)) await redis.del(key);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Replaces the mark only if it is still the dead holder's (two demos starting at once: one wins). */
const TAKE_OVER =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return false";

function deadHereHolder(raw: string): boolean {
  try {
    const h = JSON.parse(raw) as { pid?: number; host?: string };
    if (h.host !== hostname() || typeof h.pid !== 'number') return false;
    process.kill(h.pid, 0);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'ESRCH';
  }
}

function busyMessage(raw: string | null, databaseName: string, prefix: string): string {
  let who = 'Another demo';
  try {
    const h = JSON.parse(raw ?? '') as { pid?: number; host?: string; since?: string };
    const since = h.since ? ` since ${h.since.slice(11, 16)} UTC` : '';
    who = `Another demo (process ${h.pid} on ${h.host}${since})`;
  } catch {}
  return [
    `${who} is running on the database ${databaseName} and the Redis keys ${prefix}:*; a second one would empty them under it.`,
    'Stop that one first (Ctrl-C in its terminal) and run `npm run demo` again. A killed demo frees its place at once on this machine, within 15 s from another one.',
  ].join('\n');
}

/**
 * Postgres and Redis must answer now: the demo says which one does not and what to check. Redis first,
 * and the demo's mark taken, before the demo database is emptied: a demo that cannot run, or that
 * would collide with a running one, leaves that database as it is.
 */
async function prepareServices(env: Env, log: ReturnType<typeof createLogger>): Promise<DemoLock> {
  const now = { log, timeoutMs: 0 };
  await untilReachable('Redis', () => pingRedis(env.REDIS_URL), redisHint(env.REDIS_URL), now);
  const lock = await takeDemoLock(env, new URL(env.DATABASE_URL).pathname.slice(1));
  try {
    await untilReachable(
      'Postgres',
      () => resetDemoDatabase(env.DATABASE_URL),
      postgresHint(env.DATABASE_URL),
      now,
    );
    await deleteKeysUnder(env.REDIS_URL, env.QUEUE_PREFIX);
    return lock;
  } catch (err) {
    await lock.release().catch(() => {});
    throw err;
  }
}

/**
 * Opens the demo: an emptied database of its own, its Redis prefix cleared, a worker in this process
 * (no chat bots, no scheduler, no HTTP port) checking through the simulator, and a console bound to it.
 */
async function openDemo(env: Env, io: ConsoleOutput, interrupt: AbortSignal): Promise<DemoSession> {
  const log = createLogger({ level: env.LOG_LEVEL }, logOutput(env.LOG_FORMAT, process.stderr));
  const lock = await prepareServices(env, log);
  try {
    return await startDemo(env, { io, log, lock, interrupt });
  } catch (err) {
    await lock.release().catch(() => {});
    throw err;
  }
}

interface DemoParts {
  io: ConsoleOutput;
  log: ReturnType<typeof createLogger>;
  lock: DemoLock;
  interrupt: AbortSignal;
}

async function startDemo(env: Env, { io, log, lock, interrupt }: DemoParts): Promise<DemoSession> {
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
    interrupt,
    // The demo's Ctrl-C stops following a batch; the console's own handler would leave the demo going.
    console: (argv) =>
      runConsole(argv, { configure: () => backend }, io, {
        followPollMs: 150,
        interrupt,
        workerInProcess: true,
      }),
    async close() {
      await shutdown.run('demo finished');
      await deleteKeysUnder(env.REDIS_URL, env.QUEUE_PREFIX).catch(() => {});
      await lock.release().catch(() => {});
    },
  };
}

/** `storywatch demo` / `npm run demo`: the walkthrough of src/demo on this machine's Postgres and Redis. */
export function demoHost(source: NodeJS.ProcessEnv, io: ConsoleOutput): DemoHost {
  return {
    open: (instagramUrl, interrupt) => openDemo(demoEnv(source, instagramUrl), io, interrupt),
  };
}

/**
 * `npm run bench:batch`
 *
 * 1. A 5,000-profile batch through 4 local CONNECT proxies, the fake Instagram answering after 100 ms,
 *    20 threads, the real checker: prints profiles/s and the ratio to ideal (threads / latency = 200/s;
 *    target >= 0.9). The caps are set so that they do not bind: the per-minute cap gets a 1 s window
 *    (600 per window is the settings' maximum), and each proxy 600 requests per 100 ms. A proxy's
 *    requests are spaced evenly (window / budget apart), so with a 1 s window twenty answers landing
 *    together would queue for up to 7 ms on spacing alone: that is the budget binding, not the engine.
 * 2. 100,000 profiles in 5 niches, five batches in parallel, with an instant in-bench StoryChecker so
 *    only the engine is measured: prints Postgres round-trips and Redis commands per check, counted on
 *    a private redis-server (INFO total_commands_processed) and by postgres-js's query hook.
 *    Target: a small constant per check (no per-check scans).
 *
 * BENCH_PROFILES / BENCH_BIG override the sizes.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { AppContext } from '../src/app/context.js';
import { batchWorkerDeps } from '../src/app/worker-deps.js';
import { createStoryChecker } from '../src/checker/index.js';
import type { CheckResult, CheckTarget, StoryChecker } from '../src/checker/types.js';
import { loadEnv } from '../src/config/env.js';
import { createBatch, getBatch } from '../src/core/batches/index.js';
import { ensureDatabase, migrateDatabase } from '../src/core/db/migrate.js';
import * as schema from '../src/core/db/schema/index.js';
import { systemClock } from '../src/core/deps.js';
import { createLogger } from '../src/core/logger.js';
import { addProxies } from '../src/core/proxies/index.js';
import { createDeliveryProducer } from '../src/delivery/producer.js';
import { createBatchQueue } from '../src/worker/batch-queue.js';
import { startWorker } from '../src/worker/batch-worker.js';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 5_000);
const BIG = Number(process.env.BENCH_BIG ?? 100_000);
const THREADS = 20;
const LATENCY_MS = 100;
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function makeApp(dbUrl: string, redisUrl: string, prefix: string, counter: { queries: number }): AppContext {
  const env = loadEnv({ DATABASE_URL: dbUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' });
  const log = createLogger({ level: 'warn' });
  // Two pools as in connectDatabase (drizzle replaces its client's date serializers), both counted.
  const pool = () =>
    postgres(dbUrl, {
      max: 20,
      onnotice: () => {},
      debug: () => {
        counter.queries++;
      },
    });
  const sql = pool();
  const drizzleClient = pool();
  const db = drizzle(drizzleClient, { schema });
  const conns: Redis[] = [];
  const core = { db, sql, log, clock: systemClock, credentialsKey: randomBytes(32) };
  const redis = (name: string, options: { pipelined?: boolean } = {}) => {
    const r = new Redis(redisUrl, {
      maxRetriesPerRequest: null,
      connectionName: name,
      enableAutoPipelining: options.pipelined === true,
    });
    conns.push(r);
    return r;
  };
  const deliveries = createDeliveryProducer({ core, log, redis, queuePrefix: prefix });
  return {
    env,
    log,
    database: { db, sql, close: () => sql.end({ timeout: 5 }) },
    core,
    redis,
    queuePrefix: prefix,
    deliveries,
    async close() {
      await deliveries.close();
      await Promise.allSettled(conns.map((c) => c.quit()));
      await Promise.all([sql.end({ timeout: 5 }), drizzleClient.end({ timeout: 5 })]);
    },
  };
}

async function startWorld(): Promise<{
  child: ChildProcess;
  url: string;
  proxyLines: string[];
  stats(): Promise<{ maxConcurrent: number }>;
}> {
  const args = [
    '--import',
    'tsx',
    'test/fakes/fake-instagram.ts',
    '--port',
    '0',
    '--users',
    String(PROFILES),
  ];
  const child = spawn(process.execPath, [...args, '--latency', String(LATENCY_MS), '--proxies', '4'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const proxyLines: string[] = [];
  let onStats: ((s: { maxConcurrent: number }) => void) | undefined;
  lines.on('line', (line) => {
    const m = /^stats (.+)$/.exec(line);
    if (m?.[1]) onStats?.(JSON.parse(m[1]) as { maxConcurrent: number });
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake exited with ${code}`)));
    lines.on('line', (line) => {
      const p = /^proxy (\S+)/.exec(line);
      if (p?.[1]) proxyLines.push(p[1]);
      const u = /^INSTAGRAM_WEB_URL=(\S+)/.exec(line);
      if (u?.[1]) resolve(u[1]);
    });
  });
  const stats = () =>
    new Promise<{ maxConcurrent: number }>((resolve) => {
      onStats = resolve;
      child.kill('SIGUSR2');
    });
  return { child, url, proxyLines, stats };
}

async function freshDb(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sw_bench_batch_${randomBytes(4).toString('hex')}`;
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  await ensureDatabase(url);
  await migrateDatabase(url);
  return {
    url,
    async drop() {
      const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

async function privateRedis(): Promise<{ url: string; stop(): void; commands(): Promise<number> }> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  await new Promise<void>((resolve) =>
    proc.stdout!.on('data', (b: Buffer) => b.toString().includes('Ready to accept') && resolve()),
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url);
  return {
    url,
    stop: () => {
      probe.disconnect();
      proc.kill('SIGKILL');
    },
    async commands() {
      const info = await probe.info('stats');
      return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
    },
  };
}

async function waitDone(app: AppContext, ids: number[]): Promise<void> {
  for (;;) {
    const rows = await app.core.sql`select 1 from batches where id = any(${ids}) and status = 'completed'`;
    if (rows.length === ids.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function throughput(): Promise<void> {
  const db = await freshDb();
  const redis = await privateRedis();
  const counter = { queries: 0 };
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const app = makeApp(db.url, redis.url, prefix, counter);
  // The fake and the proxies run in a child process so their CPU time is not counted as the engine's.
  const world = await startWorld();
  try {
    const sql = app.core.sql;
    await addProxies(app.core, world.proxyLines.join('\n'));
    const [n] = await sql<
      Array<{ id: number }>
    >`insert into niches (name, position) values ('bench', 1) returning id`;
    // Cached Instagram ids (as after a profile's first check): one request per check.
    await sql`insert into profiles (username, niche_id, ig_user_id)
              select 'user' || g, ${n!.id}, (1000 + g)::text from generate_series(0, ${PROFILES - 1}) g`;
    await sql`update settings set threads = ${THREADS}, profiles_per_minute = 600 where id = 1`;
    const checker = await createStoryChecker({
      core: app.core,
      redis: app.redis('checker', { pipelined: true }),
      options: {
        instagramUrl: world.url,
        allowDirect: false,
        requestsPerMinute: 600,
        budgetWindowMs: 100,
        timeoutMs: 5_000,
        keyPrefix: `${prefix}:checker`,
      },
    });
    // Timing the checker's own calls separates its cost from the engine's.
    const timing = { calls: 0, ms: 0 };
    const timed: StoryChecker = {
      preferredGroupSize: () => checker.preferredGroupSize(),
      async check(targets, opts) {
        const t = performance.now();
        try {
          return await checker.check(targets, opts);
        } finally {
          timing.calls++;
          timing.ms += performance.now() - t;
        }
      },
    };
    const worker = startWorker(batchWorkerDeps(app), {
      checker: timed,
      limits: { rateWindowMs: 1_000, rateGuardMs: 0 },
    });
    const batch = await createBatch(app.core, {
      niche: 'bench',
      count: PROFILES,
      trigger: 'manual',
      allowDirect: false,
    });
    const q = createBatchQueue(app);
    const t0 = performance.now();
    await q.enqueueBatch(batch.id);
    await waitDone(app, [batch.id]);
    const secs = (performance.now() - t0) / 1000;
    const done = await getBatch(app.core, batch.id);
    const rate = PROFILES / secs;
    const ideal = THREADS / (LATENCY_MS / 1000);
    console.log(
      `batch of ${PROFILES} via 4 proxies, ${LATENCY_MS} ms latency, ${THREADS} threads: ${secs.toFixed(1)} s, ` +
        `${rate.toFixed(1)} profiles/s, ideal ${ideal}/s, ratio ${(rate / ideal).toFixed(3)} (target >= 0.9); ` +
        `fake high-water ${(await world.stats()).maxConcurrent}, checked ${done?.checked}, stories ${done?.stories}; ` +
        `mean checker call ${(timing.ms / Math.max(1, timing.calls)).toFixed(1)} ms, so the engine reaches ` +
        `${((rate * (timing.ms / Math.max(1, timing.calls))) / 1000 / THREADS).toFixed(3)} of what the checker allows`,
    );
    await q.close();
    await worker.close();
    await checker.close();
  } finally {
    world.child.kill('SIGKILL');
    await app.close();
    redis.stop();
    await db.drop();
  }
}

/** Answers every target at once: the engine's own cost is all that is left to measure. */
class InstantChecker implements StoryChecker {
  async preferredGroupSize() {
    return 1;
  }
  async check(targets: readonly CheckTarget[]): Promise<CheckResult[]> {
    return targets.map((t) => ({
      username: t.username,
      outcome: t.username.endsWith('7') ? 'story' : 'no_story',
      attempts: 1,
      story: t.username.endsWith('7') ? { takenAt: new Date(), expiresAt: null } : undefined,
    }));
  }
}

async function overhead(): Promise<void> {
  const db = await freshDb();
  const redis = await privateRedis();
  const counter = { queries: 0 };
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const app = makeApp(db.url, redis.url, prefix, counter);
  try {
    const sql = app.core.sql;
    const per = Math.floor(BIG / 5);
    const ids: number[] = [];
    await sql`update settings set threads = ${THREADS}, profiles_per_minute = 600 where id = 1`;
    for (let i = 0; i < 5; i++) {
      const [n] = await sql<
        Array<{ id: number }>
      >`insert into niches (name, position) values (${`niche${i}`}, ${i}) returning id`;
      await sql`insert into profiles (username, niche_id)
                select ${`n${i}_`} || lpad(g::text, 6, '0'), ${n!.id} from generate_series(0, ${per - 1}) g`;
    }
    for (let i = 0; i < 5; i++) {
      const b = await createBatch(app.core, {
        niche: `niche${i}`,
        count: per,
        trigger: 'manual',
        allowDirect: true,
      });
      ids.push(b.id);
    }
    // The per-window cap is 600 per 100 ms here so that it does not bind; only overhead is measured.
    const worker = startWorker(batchWorkerDeps(app), {
      checker: new InstantChecker(),
      limits: { rateWindowMs: 100, rateGuardMs: 0 },
    });
    const q = createBatchQueue(app);
    const q0 = counter.queries;
    const r0 = await redis.commands();
    const t0 = performance.now();
    for (const id of ids) await q.enqueueBatch(id);
    await waitDone(app, ids);
    const secs = (performance.now() - t0) / 1000;
    const queries = counter.queries - q0;
    const commands = (await redis.commands()) - r0;
    const total = per * 5;
    console.log(
      `${total} profiles in 5 parallel batches (instant checker, ${THREADS} threads): ${secs.toFixed(1)} s, ` +
        `${(total / secs).toFixed(0)} checks/s; per check: ${(queries / total).toFixed(2)} Postgres round-trips, ` +
        `${(commands / total).toFixed(2)} Redis commands executed (counted by Redis, so the commands inside the cap script count too; a check costs two round trips: the script and the slot release)`,
    );
    await q.close();
    await worker.close();
  } finally {
    await app.close();
    redis.stop();
    await db.drop();
  }
}

await throughput();
await overhead();
process.exit(0);

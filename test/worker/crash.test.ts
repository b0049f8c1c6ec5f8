import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { createBatch, getBatch } from '../../src/core/batches/index.js';
import { createBatchQueue } from '../../src/worker/batch-queue.js';
import { setSettings } from '../helpers/batch-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ADMIN_URL } from '../helpers/global-setup.js';
import { freePort, startRedis } from '../helpers/redis-server.js';
import { createTestApp, deleteRedisPrefix, newPrefix, waitFor } from './support.js';
import { createWorld, spawnWorker, type WorkerChild, type World } from './world.js';

const N = 150;
const CHILD_APP = 'sw-crash-worker';

interface Scene {
  db: TestDatabase;
  world: World;
  app: AppContext;
  prefix: string;
  redisUrl: string;
  childEnv: Record<string, string>;
  batchId: number;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function scene(redisUrl = 'redis://127.0.0.1:6379'): Promise<Scene> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const world = await createWorld(db.sql, { users: N, proxies: 3, latencyMs: 60, niche: 'Crash' });
  cleanups.push(() => world.close());
  await setSettings(db.sql, { threads: 4, profilesPerMinute: 600 });
  const prefix = newPrefix();
  cleanups.push(() => deleteRedisPrefix(prefix, redisUrl));
  const app = createTestApp(db.url, prefix, { REDIS_URL: redisUrl });
  cleanups.push(() => app.close());
  const childEnv = {
    DATABASE_URL: `${db.url}?application_name=${CHILD_APP}`,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    INSTAGRAM_WEB_URL: world.fake.url,
    PROXY_REQUESTS_PER_MINUTE: '600',
    CHECK_TIMEOUT_MS: '3000',
  };
  const batch = await createBatch(app.core, {
    niche: 'crash',
    count: N,
    trigger: 'manual',
    allowDirect: false,
  });
  return { db, world, app, prefix, redisUrl, childEnv, batchId: batch.id };
}

async function worker(s: Scene): Promise<WorkerChild> {
  const w = await spawnWorker(s.childEnv);
  cleanups.push(async () => {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.exited;
  });
  return w;
}

async function enqueue(s: Scene): Promise<void> {
  const q = createBatchQueue(s.app);
  await q.enqueueBatch(s.batchId);
  await q.close();
}

const checkedSoFar = async (s: Scene) => (await getBatch(s.app.core, s.batchId))?.checked ?? 0;

/** Completed, every profile checked exactly once in the database, every story recorded once. */
async function expectExactlyOnce(s: Scene, label: string): Promise<void> {
  const done = await waitFor(
    `${label}: batch completed`,
    async () => {
      const b = await getBatch(s.app.core, s.batchId);
      return b?.status === 'completed' ? b : undefined;
    },
    60_000,
    250,
  );
  const [items] = await s.db.sql`
    select count(*) filter (where outcome is null)::int as open, count(*)::int as total from batch_items where batch_id = ${s.batchId}`;
  const [prof] = await s.db
    .sql`select sum(total_checks)::int as checks, max(total_checks)::int as most from profiles`;
  const [det] = await s.db.sql`select count(*)::int as n, count(distinct username)::int as u from detections`;
  const requests = s.world.fake.requests.length;
  console.log(
    `${label}: checked ${done.checked}/${done.requested}, stories ${done.stories} (expected ${s.world.storyUsers.size}),`,
    `profile checks ${prof!.checks} (max per profile ${prof!.most}), open items ${items!.open},`,
    `Instagram requests ${requests} (re-checks after the crash: ${requests - N})`,
  );
  expect(done.checked).toBe(N);
  expect(items).toEqual({ open: 0, total: N });
  expect(prof).toEqual({ checks: N, most: 1 });
  expect(done.stories).toBe(s.world.storyUsers.size);
  expect(det).toEqual({ n: s.world.storyUsers.size, u: s.world.storyUsers.size });
}

describe('crash safety with real worker processes, the real checker and the fake Instagram', () => {
  it('GIVEN a worker killed with SIGKILL mid-batch THEN a restarted worker resumes it and completes; nothing counted twice or lost', async () => {
    const s = await scene();
    const a = await worker(s);
    await enqueue(s);
    await waitFor('some progress', async () => (await checkedSoFar(s)) >= 30, 30_000, 50);
    a.child.kill('SIGKILL');
    await a.exited;
    const atKill = await checkedSoFar(s);
    expect((await getBatch(s.app.core, s.batchId))?.status).toBe('in_progress');
    await worker(s);
    console.log(`SIGKILL at ${atKill}/${N} checked`);
    await expectExactlyOnce(s, 'SIGKILL');
  }, 90_000);

  it('GIVEN SIGTERM mid-batch THEN the worker stops taking work, records its in-flight checks, exits 0 within 30 s, and the next worker finishes the batch', async () => {
    const s = await scene();
    const a = await worker(s);
    await enqueue(s);
    await waitFor('some progress', async () => (await checkedSoFar(s)) >= 30, 30_000, 50);
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    const exit = await a.exited;
    const tookMs = exit.at - t0;
    const b = await getBatch(s.app.core, s.batchId);
    // Every profile Instagram was asked about before the exit has its outcome recorded.
    const asked = new Set(s.world.fake.requests.map((r) => r.userId));
    const [rec] = await s.db
      .sql`select count(*)::int as n from batch_items where batch_id = ${s.batchId} and outcome is not null`;
    console.log(
      `SIGTERM: exit code ${exit.code} after ${tookMs} ms; asked ${asked.size}, recorded ${rec!.n}, batch ${b?.status}`,
    );
    expect(exit.code).toBe(0);
    expect(tookMs).toBeLessThan(30_000);
    expect(rec!.n).toBe(asked.size);
    expect(b?.status).toBe('in_progress');
    expect(b!.checked).toBeLessThan(N);
    await worker(s);
    await expectExactlyOnce(s, 'SIGTERM');
  }, 90_000);

  it("GIVEN the worker's Postgres connections terminated three times mid-batch THEN it reconnects and completes; nothing counted twice", async () => {
    const s = await scene();
    await worker(s);
    await enqueue(s);
    const admin = postgres(ADMIN_URL, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: 'sw-crash-admin' },
    });
    cleanups.push(() => admin.end({ timeout: 5 }));
    let killed = 0;
    for (const at of [25, 60, 95]) {
      await waitFor(`progress ${at}`, async () => (await checkedSoFar(s)) >= at, 30_000, 30);
      const rows = await admin`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = ${s.db.name} and application_name = ${CHILD_APP}`;
      killed += rows.length;
    }
    console.log(
      `Postgres: terminated ${killed} worker connections over three rounds (pg_terminate_backend, not a cluster restart)`,
    );
    expect(killed).toBeGreaterThan(0);
    await expectExactlyOnce(s, 'Postgres connections terminated');
  }, 90_000);

  it('GIVEN Redis restarted without persistence mid-batch THEN the worker reconnects, recovery re-queues the lost job, and the batch completes; nothing counted twice', async () => {
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    let redis = await startRedis(port);
    cleanups.push(async () => {
      redis.kill('SIGKILL');
    });
    const s = await scene(redisUrl);
    await worker(s);
    await enqueue(s);
    await waitFor('some progress', async () => (await checkedSoFar(s)) >= 40, 30_000, 50);
    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    const atRestart = await checkedSoFar(s);
    await new Promise((r) => setTimeout(r, 1_000));
    redis = await startRedis(port);
    console.log(`Redis: killed and restarted empty at ${atRestart}/${N} checked`);
    await expectExactlyOnce(s, 'Redis restarted');
  }, 120_000);
});

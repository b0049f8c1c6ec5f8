import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import { cancelBatch, createBatch, getBatch } from '../../src/core/batches/index.js';
import { createBatchQueue } from '../../src/worker/batch-queue.js';
import { startWorker, type WorkerHandle } from '../../src/worker/batch-worker.js';
import { setSettings } from '../helpers/batch-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestApp, deleteRedisPrefix, maxInWindow, newPrefix, testChecker, waitFor } from './support.js';
import { createWorld, type World } from './world.js';

const FAST = { pollMs: 200, progressEveryMs: 500, settingsRefreshMs: 300 };

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

interface Setup {
  db: TestDatabase;
  world: World;
  apps: AppContext[];
  workers: WorkerHandle[];
}

/** `processes` workers, each with its own AppContext and real checker, as separate processes would have. */
async function setup(options: {
  users: number;
  proxies: number;
  latencyMs: number;
  processes: number;
  rateWindowMs?: number;
}): Promise<Setup> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const world = await createWorld(db.sql, { ...options, niche: 'Int' });
  cleanups.push(() => world.close());
  const prefix = newPrefix();
  cleanups.push(() => deleteRedisPrefix(prefix));
  const apps: AppContext[] = [];
  const workers: WorkerHandle[] = [];
  for (let i = 0; i < options.processes; i++) {
    const app = createTestApp(db.url, prefix);
    cleanups.push(() => app.close());
    const checker = await testChecker(app, world.fake.url, prefix, { healthFlushMs: 200 });
    cleanups.push(() => checker.close());
    const w = startWorker(batchWorkerDeps(app), {
      checker,
      ...FAST,
      // The cap counts a check when it starts; its request reaches Instagram once its proxy's slot
      // comes (a burst of 12 on 3 proxies: 4 each, up to 130 ms apart with the +-30 % spacing jitter).
      // The guard widens each window by that much, as the production default (250 ms) does.
      limits: options.rateWindowMs ? { rateWindowMs: options.rateWindowMs, rateGuardMs: 450 } : {},
    });
    cleanups.push(() => w.close());
    apps.push(app);
    workers.push(w);
  }
  return { db, world, apps, workers };
}

async function run(s: Setup, count: number): Promise<number> {
  const app = s.apps[0]!;
  const batch = await createBatch(app.core, { niche: 'int', count, trigger: 'manual', allowDirect: false });
  const q = createBatchQueue(app);
  await q.enqueueBatch(batch.id);
  await q.close();
  return batch.id;
}

describe('batches through the real checker, local proxies and the fake Instagram', () => {
  it('GIVEN threads=4 and two worker processes THEN a 120-profile batch completes and Instagram never sees more than 4 requests at once', async () => {
    const s = await setup({ users: 120, proxies: 4, latencyMs: 80, processes: 2 });
    await setSettings(s.db.sql, { threads: 4, profilesPerMinute: 600 });
    const id = await run(s, 120);
    const done = await waitFor(
      'completed',
      async () => {
        const b = await getBatch(s.apps[0]!.core, id);
        return b?.status === 'completed' ? b : undefined;
      },
      60_000,
    );
    console.log(
      `threads=4: fake high-water ${s.world.fake.maxConcurrent} concurrent requests; checked ${done.checked}, stories ${done.stories}; requests by proxy IP`,
      JSON.stringify(s.world.fake.requestsByIp),
    );
    expect(s.world.fake.maxConcurrent).toBeLessThanOrEqual(4);
    expect(s.world.fake.maxConcurrent).toBe(4);
    expect([done.checked, done.stories]).toEqual([120, s.world.storyUsers.size]);
    expect(Object.keys(s.world.fake.requestsByIp)).toHaveLength(4);
  }, 90_000);

  it('GIVEN 12 profiles per 2 s window across two workers THEN no 2 s window at Instagram holds more than 12 checks', async () => {
    const s = await setup({ users: 40, proxies: 3, latencyMs: 20, processes: 2, rateWindowMs: 2_000 });
    await setSettings(s.db.sql, { threads: 6, profilesPerMinute: 12 });
    const id = await run(s, 40);
    await waitFor(
      'completed',
      async () => (await getBatch(s.apps[0]!.core, id))?.status === 'completed',
      60_000,
    );
    const times = s.world.fake.requests.map((r) => r.at);
    const worst = maxInWindow(times, 2_000);
    console.log(
      `rate cap 12 per 2 s: ${times.length} requests, max in any 2 s window at the fake = ${worst}`,
    );
    expect(times).toHaveLength(40);
    expect(worst).toBeLessThanOrEqual(12);
  }, 90_000);

  it('GIVEN a running batch cancelled THEN Instagram gets no new checks after a few seconds and the batch ends cancelled with what was checked', async () => {
    const s = await setup({ users: 150, proxies: 2, latencyMs: 200, processes: 1 });
    await setSettings(s.db.sql, { threads: 3, profilesPerMinute: 600 });
    const id = await run(s, 150);
    await waitFor(
      'progress',
      async () => ((await getBatch(s.apps[0]!.core, id))?.checked ?? 0) >= 10,
      30_000,
      50,
    );
    await cancelBatch(s.apps[0]!.core, 'int');
    const asked = Date.now();
    const done = await waitFor('cancelled', async () => {
      const b = await getBatch(s.apps[0]!.core, id);
      return b?.status === 'cancelled' ? b : undefined;
    });
    const late = s.world.fake.requests.filter((r) => r.at > asked + 2_000).length;
    console.log(
      `cancel: ${done.checked}/150 checked, ${s.world.fake.requests.length} requests, ${late} started >2 s after cancel`,
    );
    expect(late).toBe(0);
    expect(done.checked).toBe(s.world.fake.requests.length);
    expect(done.checked).toBeLessThan(150);
  }, 60_000);
});

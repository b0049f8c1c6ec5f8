import { afterEach, describe, expect, it } from 'vitest';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import { cancelBatch, createBatch, getBatch } from '../../src/core/batches/index.js';
import { notifyProxiesChanged } from '../../src/core/proxies/index.js';
import { createBatchQueue } from '../../src/worker/batch-queue.js';
import { startWorker, type WorkerHandle } from '../../src/worker/batch-worker.js';
import { run } from '../core/command-helpers.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import { setSettings } from '../helpers/batch-fixtures.js';
import { createTestDatabase } from '../helpers/db.js';
import { createTestApp, deleteRedisPrefix, newPrefix, testChecker, waitFor } from '../worker/support.js';
import { createWorld } from '../worker/world.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** A running batch whose every check waits for a proxy: both proxies cool down for `cooling`. */
async function waitingBatch(cooling = '5 minutes') {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const world = await createWorld(db.sql, { users: 30, proxies: 2, latencyMs: 0, niche: 'Wait' });
  cleanups.push(() => world.close());
  await db.sql`update proxies set cooling_until = now() + ${cooling}::interval, cooldown_level = 3`;
  const prefix = newPrefix();
  cleanups.push(() => deleteRedisPrefix(prefix));
  const app = createTestApp(db.url, prefix);
  cleanups.push(() => app.close());
  await setSettings(db.sql, { threads: 3, profilesPerMinute: 600 });
  const checker = await testChecker(app, world.fake.url, prefix, { refreshMs: 500 });
  cleanups.push(() => checker.close());
  const worker: WorkerHandle = startWorker(batchWorkerDeps(app), {
    checker,
    pollMs: 1_000,
    progressEveryMs: 500,
    settingsRefreshMs: 300,
  });
  let closed = false;
  cleanups.push(() => (closed ? Promise.resolve() : worker.close()));
  const batch = await createBatch(app.core, {
    niche: 'wait',
    count: 30,
    trigger: 'manual',
    allowDirect: false,
  });
  const q = createBatchQueue(app);
  await q.enqueueBatch(batch.id);
  await q.close();
  await waitFor('running', async () => (await getBatch(app.core, batch.id))?.status !== 'pending');
  // Let the three lanes reach the pool and wait there.
  await new Promise((r) => setTimeout(r, 500));
  return {
    app,
    db,
    world,
    batch,
    async closeWorker() {
      closed = true;
      await worker.close();
    },
  };
}

async function addFreshProxy(s: Awaited<ReturnType<typeof waitingBatch>>): Promise<ConnectProxy> {
  const [extra] = await startConnectProxies(1);
  cleanups.push(() => stopAll([extra!]));
  await s.db.sql`insert into proxies (host, port, health) values (${extra!.host}, ${extra!.port}, 'ok')`;
  await notifyProxiesChanged(s.app.core);
  return extra!;
}

describe('never lose #14.11: cancel and shutdown reach checks waiting for a proxy', () => {
  it('GIVEN every proxy cooling down WHEN the batch is cancelled THEN the worker confirms at once, it ends cancelled within seconds, and no check starts afterwards, not even through a proxy added later', async () => {
    const s = await waitingBatch();
    const asked = Date.now();
    const b = await cancelBatch(s.app.core, s.batch.id);
    const confirmMs = Date.now() - asked;
    expect(b.cancelSeenAt).toBeInstanceOf(Date);
    await addFreshProxy(s);
    const done = await waitFor(
      'cancelled',
      async () => {
        const got = await getBatch(s.app.core, s.batch.id);
        return got?.status === 'cancelled' ? got : undefined;
      },
      10_000,
      50,
    );
    const endMs = Date.now() - asked;
    await new Promise((r) => setTimeout(r, 1_000));
    console.log(
      `cancel while cooling: confirmed in ${confirmMs} ms, cancelled after ${endMs} ms, ${s.world.fake.requests.length} requests reached Instagram, ${done.checked} counted`,
    );
    expect(endMs).toBeLessThan(3_000);
    expect(s.world.fake.requests).toHaveLength(0);
    expect(done.checked).toBe(0);
    const [open] = await s.db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from batch_items where batch_id = ${s.batch.id} and outcome is null`;
    expect(open?.n).toBe(30);
  }, 60_000);

  it('GIVEN every proxy cooling down WHEN the worker shuts down THEN it stops within a second, records nothing, and hands the batch back', async () => {
    const s = await waitingBatch();
    const started = Date.now();
    await s.closeWorker();
    const ms = Date.now() - started;
    console.log(`shutdown while cooling: worker closed in ${ms} ms`);
    expect(ms).toBeLessThan(1_500);
    const b = await getBatch(s.app.core, s.batch.id);
    expect(b, b?.failureReason ?? '').toMatchObject({ status: 'in_progress', checked: 0 });
    expect(s.world.fake.requests).toHaveLength(0);
  }, 60_000);
});

describe('never lose #14.12: a batch that cannot ask anything stops and says why', () => {
  it('GIVEN every proxy cooling down for longer than a check may wait THEN the batch stops with that reason and no error is counted as a check', async () => {
    const s = await waitingBatch('1 hour');
    const b = await waitFor('stopped', async () => {
      const got = await getBatch(s.app.core, s.batch.id);
      return got?.status === 'failed' ? got : undefined;
    });
    console.log(
      `all proxies cooling for an hour: ${b.status}, checked ${b.checked}, errors ${JSON.stringify(b.errors)}; ${b.failureReason}`,
    );
    expect(b.failureReason).toMatch(
      /^stopped, 30 profiles left unchecked: no proxy is usable: every proxy is cooling down \(first free at /,
    );
    expect(b.checked).toBe(0);
    expect(b.errors).toEqual({});
    expect(s.world.fake.requests).toHaveLength(0);
  }, 60_000);
});

describe('never lose #14.12b: a waiting batch says why', () => {
  it('GIVEN every proxy cooling down for minutes THEN batch status says the batch is waiting and for how long', async () => {
    const s = await waitingBatch('5 minutes');
    const text = await waitFor('waiting shown', async () => {
      const { text } = await run(s.app.core, 'batch status');
      return /waiting: all 2 proxies cooling down, next ready in \d+ min \d+ s/.test(text) ? text : undefined;
    });
    console.log(`batch status: ${text}`);
    expect(text).toMatch(/0\/30 checked/);
  }, 60_000);

  it('GIVEN a batch queued while no worker process is alive THEN batch status says no worker is running', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    await createWorld(db.sql, { users: 5, proxies: 1, latencyMs: 0, niche: 'Idle' }).then((w) =>
      cleanups.push(() => w.close()),
    );
    const prefix = newPrefix();
    cleanups.push(() => deleteRedisPrefix(prefix));
    const app = createTestApp(db.url, prefix);
    cleanups.push(() => app.close());
    const { createCommandServices } = await import('../../src/app/services.js');
    const built = createCommandServices(app);
    cleanups.push(() => built.close());
    await run(app.core, 'batch run idle 5', built.services);
    const { text } = await run(app.core, 'batch status', built.services);
    console.log(`no worker: ${text}`);
    expect(text).toMatch(/pending/);
    expect(text).toMatch(/no worker process is running/);
  }, 60_000);
});

import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import { createBatch, failBatch, finishBatch, getBatch, startBatch } from '../../src/core/batches/index.js';
import { DELIVERIES_QUEUE, type Delivery } from '../../src/delivery/types.js';
import { startWorker } from '../../src/worker/batch-worker.js';
import { seedNiche, seedProxy } from '../helpers/batch-fixtures.js';
import { createTestDatabase } from '../helpers/db.js';
import { createTestApp, deleteRedisPrefix, newPrefix, ScriptedChecker, waitFor } from '../worker/support.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function world() {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  await seedProxy(db.sql);
  await seedNiche(db.sql, 'Ends', 20, { prefix: 'ends_' });
  const prefix = newPrefix();
  cleanups.push(() => deleteRedisPrefix(prefix));
  const app = createTestApp(db.url, prefix);
  cleanups.push(() => app.close());
  const queue = new Queue<Delivery>(DELIVERIES_QUEUE, { connection: { url: app.env.REDIS_URL }, prefix });
  cleanups.push(() => queue.close());
  const jobs = async () =>
    (await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized'])).map((j) => j.data);
  const batch = async () => {
    const b = await createBatch(app.core, {
      niche: 'ends',
      count: 10,
      trigger: 'manual',
      allowDirect: false,
      origin: { platform: 'telegram', chatId: '4242' },
    });
    await startBatch(app.core, b.id);
    return b.id;
  };
  /** The worker's sweep, with nothing for it to run: it only relays what is in the outbox. */
  const sweeper = () => {
    const w = startWorker(batchWorkerDeps(app), {
      checker: new ScriptedChecker(1),
      recoveryEveryMs: 200,
      summaryRelayAfterMs: 0,
      recoveryGraceMs: 60_000,
    });
    cleanups.push(() => w.close());
  };
  return { app, db, jobs, batch, sweeper };
}

describe('never lose #14.7: every batch end reaches the chat that started it, once', () => {
  it('GIVEN a worker that died right after closing a batch THEN the sweep sends the summary and the final progress edit, once', async () => {
    const w = await world();
    const id = await w.batch();
    // What the dead worker did: close the batch (the outbox row is written with it), nothing more.
    await finishBatch(w.app.core, id);
    expect(await w.jobs()).toEqual([]);
    w.sweeper();
    const summary = await waitFor('summary', async () =>
      (await w.jobs()).find((d) => d.dedupeKey === `batch:${id}:summary`),
    );
    await new Promise((r) => setTimeout(r, 600));
    const all = await w.jobs();
    console.log(`after a crash: ${all.map((d) => d.dedupeKey.replace(/:\d+$/, '')).join(', ')}`);
    expect(all.filter((d) => d.dedupeKey === `batch:${id}:summary`)).toHaveLength(1);
    expect(JSON.stringify(summary.reply)).toContain(`#${id}`);
    expect(all.some((d) => d.replaceKey === `batch:${id}:progress`)).toBe(true);
  });

  it('GIVEN a batch failed by recovery THEN its chat gets a summary with the reason and the progress message its final state', async () => {
    const w = await world();
    const id = await w.batch();
    await failBatch(w.app.core, id, 'the batch job failed after 3 attempts: boom');
    w.sweeper();
    const summary = await waitFor('summary', async () =>
      (await w.jobs()).find((d) => d.dedupeKey === `batch:${id}:summary`),
    );
    const progress = (await w.jobs()).find((d) => d.replaceKey === `batch:${id}:progress`);
    expect(JSON.stringify(summary.reply)).toMatch(/failed.*boom/);
    expect(JSON.stringify(progress?.reply)).toContain('failed');
    expect((await getBatch(w.app.core, id))?.status).toBe('failed');
  });
});

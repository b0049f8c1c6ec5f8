import { Queue, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import { cancelBatch, createBatch, getBatch } from '../../src/core/batches/index.js';
import { jobIdFor } from '../../src/delivery/producer.js';
import { DELIVERIES_QUEUE } from '../../src/delivery/types.js';
import { BATCHES_QUEUE, batchJobId, createBatchQueue } from '../../src/worker/batch-queue.js';
import { startWorker, type WorkerHandle } from '../../src/worker/batch-worker.js';
import { seedNiche, setSettings } from '../helpers/batch-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  createTestApp,
  deleteRedisPrefix,
  maxInWindow,
  newPrefix,
  ScriptedChecker,
  waitFor,
} from './support.js';

const FAST = {
  pollMs: 200,
  progressEveryMs: 500,
  settingsRefreshMs: 300,
  lockDurationMs: 5_000,
  stalledIntervalMs: 5_000,
};

describe('batch engine (BullMQ on real Redis, scripted checker)', () => {
  let db: TestDatabase;
  let prefix: string;
  const apps: AppContext[] = [];
  const workers: WorkerHandle[] = [];
  const app = () => apps[0]!;
  const newApp = () => {
    const a = createTestApp(db.url, prefix);
    apps.push(a);
    return a;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = newPrefix();
    newApp();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await db.sql`update batches set status = 'cancelled' where status in ('pending', 'in_progress')`;
  });
  afterAll(async () => {
    for (const a of apps) {
      await a.close();
    }
    await deleteRedisPrefix(prefix);
    await db.drop();
  });

  it('GIVEN a manual batch from Telegram THEN it runs to completed with counters, detections, profile updates, progress and one summary', async () => {
    await seedNiche(db.sql, 'Life', 30, { prefix: 'life_' });
    await setSettings(db.sql, { threads: 3, profilesPerMinute: 600 });
    const checker = new ScriptedChecker(20, (u) =>
      u.endsWith('0') ? 'story' : u.endsWith('7') ? 'private' : 'no_story',
    );
    workers.push(startWorker(batchWorkerDeps(app()), { checker, ...FAST }));
    const q = createBatchQueue(app());
    const batch = await createBatch(app().core, {
      niche: 'life',
      count: 30,
      trigger: 'manual',
      allowDirect: true,
      origin: { platform: 'telegram', chatId: '42', userId: '7' },
    });
    await q.enqueueBatch(batch.id);
    await q.enqueueBatch(batch.id); // a double enqueue is one job
    const done = await waitFor('batch completed', async () => {
      const b = await getBatch(app().core, batch.id);
      return b?.status === 'completed' ? b : undefined;
    });
    await q.close();
    console.log(
      'lifecycle:',
      JSON.stringify({ checked: done.checked, stories: done.stories, private: done.private }),
    );
    expect([done.checked, done.stories, done.private, done.requested]).toEqual([30, 3, 3, 30]);
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();
    expect([...checker.checkedCount.values()].every((n) => n === 1)).toBe(true);
    const [p] =
      await db.sql`select sum(total_checks)::int as c, sum(total_detected)::int as d from profiles where username like 'life_%'`;
    expect([p!.c, p!.d]).toEqual([30, 3]);
    const det = await db.sql`select username from detections where batch_id = ${batch.id} order by username`;
    expect(det.map((r) => r.username)).toEqual(['life_00000', 'life_00010', 'life_00020']);
    const ev = await db.sql`select data from events where kind = 'batch_statistics'`;
    expect(ev).toHaveLength(1);
    const deliveries = new Queue(DELIVERIES_QUEUE, { connection: app().redis('t-deliveries'), prefix });
    // The summary is queued right after the batch is closed.
    const summary = await waitFor('summary delivery', () =>
      deliveries.getJob(jobIdFor(`batch:${batch.id}:summary`)),
    );
    expect(summary?.data.target).toEqual({ platform: 'telegram', chatId: '42' });
    const blocks = summary?.data.reply.blocks as Array<{ type: string; usernames?: string[] }>;
    expect(blocks.find((b) => b.type === 'usernames')?.usernames?.sort()).toEqual([
      'life_00000',
      'life_00010',
      'life_00020',
    ]);
    const jobs = await deliveries.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    expect(jobs.some((j) => j.data.replaceKey === `batch:${batch.id}:progress`)).toBe(true);
    await deliveries.close();
  });

  it('GIVEN two worker processes and two batches with threads=3 THEN never more than 3 checks in flight; raising it to 5 applies to the running batches', async () => {
    await seedNiche(db.sql, 'ThreadsA', 60, { prefix: 'tha_' });
    await seedNiche(db.sql, 'ThreadsB', 60, { prefix: 'thb_' });
    await setSettings(db.sql, { threads: 3, profilesPerMinute: 600 });
    const checker = new ScriptedChecker(60);
    // Two AppContexts: separate pools and Redis connections, as two worker processes would have.
    workers.push(
      startWorker(batchWorkerDeps(app()), { checker, ...FAST }),
      startWorker(batchWorkerDeps(newApp()), { checker, ...FAST }),
    );
    const q = createBatchQueue(app());
    const a = await createBatch(app().core, {
      niche: 'threadsa',
      count: 60,
      trigger: 'manual',
      allowDirect: true,
    });
    const b = await createBatch(app().core, {
      niche: 'threadsb',
      count: 60,
      trigger: 'manual',
      allowDirect: true,
    });
    await q.enqueueBatch(a.id);
    await q.enqueueBatch(b.id);
    await waitFor('30 checks', async () => checker.starts.length >= 30);
    const highAt3 = checker.maxInFlight;
    await setSettings(db.sql, { threads: 5 });
    await waitFor('both completed', async () => {
      const rows =
        await db.sql`select 1 from batches where id in (${a.id}, ${b.id}) and status = 'completed'`;
      return rows.length === 2;
    });
    await q.close();
    console.log(
      'thread high-water: at threads=3 ->',
      highAt3,
      ', after raising to 5 ->',
      checker.maxInFlight,
    );
    expect(highAt3).toBe(3);
    expect(checker.maxInFlight).toBe(5);
  });

  it('GIVEN 10 profiles per 1 s window THEN no window of 1 s ever holds more than 10 check starts', async () => {
    await seedNiche(db.sql, 'Rate', 35, { prefix: 'rate_' });
    await setSettings(db.sql, { threads: 8, profilesPerMinute: 10 });
    const checker = new ScriptedChecker(10);
    workers.push(
      startWorker(batchWorkerDeps(app()), {
        checker,
        ...FAST,
        limits: { rateWindowMs: 1_000, rateGuardMs: 20 },
      }),
    );
    const q = createBatchQueue(app());
    const batch = await createBatch(app().core, {
      niche: 'rate',
      count: 35,
      trigger: 'manual',
      allowDirect: true,
    });
    await q.enqueueBatch(batch.id);
    await waitFor(
      'rate batch completed',
      async () => (await getBatch(app().core, batch.id))?.status === 'completed',
    );
    await q.close();
    const times = checker.starts.map((s) => s.at);
    const worst = maxInWindow(times, 1_000);
    console.log(
      'per-window cap 10/1s: max starts in any 1 s window =',
      worst,
      'over',
      times.length,
      'starts',
    );
    expect(times).toHaveLength(35);
    expect(worst).toBeLessThanOrEqual(10);
    expect(worst).toBeGreaterThanOrEqual(9);
  });

  it('GIVEN session checks of 4 profiles at once and 10 profiles per 1 s window THEN each profile counts against the cap; raising the cap applies to the running batch', async () => {
    await seedNiche(db.sql, 'Grouped', 140, { prefix: 'grp_' });
    await setSettings(db.sql, { threads: 8, profilesPerMinute: 10 });
    const checker = new ScriptedChecker(10, () => 'no_story', 4);
    workers.push(
      startWorker(batchWorkerDeps(app()), {
        checker,
        ...FAST,
        limits: { rateWindowMs: 1_000, rateGuardMs: 20 },
      }),
    );
    const q = createBatchQueue(app());
    const batch = await createBatch(app().core, {
      niche: 'grouped',
      count: 140,
      trigger: 'manual',
      allowDirect: true,
    });
    await q.enqueueBatch(batch.id);
    await waitFor('24 profiles started', async () => checker.starts.length >= 24);
    const atTen = checker.starts.map((s) => s.at);
    await setSettings(db.sql, { profilesPerMinute: 40 });
    const raisedAt = Date.now();
    await waitFor(
      'grouped batch completed',
      async () => (await getBatch(app().core, batch.id))?.status === 'completed',
    );
    await q.close();
    const all = checker.starts.map((s) => s.at);
    // Once the raise is seen (settings refresh 300 ms) and the old window has passed, a window may hold 40.
    const afterRaise = all.filter((t) => t >= raisedAt + 1_300);
    console.log(
      'grouped checks, cap 10 per 1 s: max profiles started in any 1 s window =',
      maxInWindow(atTen, 1_000),
      'over',
      atTen.length,
      '; after raising to 40:',
      maxInWindow(afterRaise, 1_000),
      'over',
      afterRaise.length,
    );
    expect(all).toHaveLength(140);
    expect(new Set(checker.starts.map((s) => s.username)).size).toBe(140);
    // Groups of 4 under a cap of 10: two groups fit a window, a third would be 12.
    expect(maxInWindow(atTen, 1_000)).toBe(8);
    expect(maxInWindow(afterRaise, 1_000)).toBeGreaterThan(10);
    expect(maxInWindow(afterRaise, 1_000)).toBeLessThanOrEqual(40);
  });

  it('GIVEN a running batch cancelled from another process THEN no new checks start, in-flight ones are counted, status cancelled', async () => {
    await seedNiche(db.sql, 'Cancel', 200, { prefix: 'can_' });
    await setSettings(db.sql, { threads: 4, profilesPerMinute: 600 });
    const checker = new ScriptedChecker(150);
    workers.push(startWorker(batchWorkerDeps(app()), { checker, ...FAST }));
    const q = createBatchQueue(app());
    const batch = await createBatch(app().core, {
      niche: 'cancel',
      count: 200,
      trigger: 'manual',
      allowDirect: true,
    });
    await q.enqueueBatch(batch.id);
    await waitFor('some checks', async () => checker.starts.length >= 12);
    const other = newApp(); // "another process": its own pool
    await cancelBatch(other.core, 'Cancel');
    const requestedAt = Date.now();
    const done = await waitFor('cancelled', async () => {
      const b = await getBatch(app().core, batch.id);
      return b?.status === 'cancelled' ? b : undefined;
    });
    await q.close();
    const lateStarts = checker.starts.filter((s) => s.at > requestedAt + 2_000).length;
    const [cnt] =
      await db.sql`select count(*)::int as n from batch_items where batch_id = ${batch.id} and outcome is not null`;
    console.log(
      'cancel: checks started',
      checker.starts.length,
      'recorded',
      done.checked,
      'starts >2 s after the request',
      lateStarts,
    );
    expect(lateStarts).toBe(0);
    expect(done.checked).toBe(checker.starts.length);
    expect(cnt!.n).toBe(done.checked);
    expect(done.checked).toBeLessThan(200);
  });

  it('GIVEN an in-progress batch whose job vanished THEN recovery resumes it from its open items and nothing is counted twice', async () => {
    await seedNiche(db.sql, 'Vanish', 20, { prefix: 'van_' });
    await setSettings(db.sql, { threads: 3, profilesPerMinute: 600 });
    const batch = await createBatch(app().core, {
      niche: 'vanish',
      count: 20,
      trigger: 'manual',
      allowDirect: true,
    });
    // Half done by a worker that is gone, and no job in Redis (as after Redis lost its data).
    await db.sql`update batches set status = 'in_progress', started_at = now(), created_at = now() - interval '5 minutes' where id = ${batch.id}`;
    const { recordCheckResult } = await import('../../src/core/batches/index.js');
    for (let i = 0; i < 10; i++) {
      await recordCheckResult(app().core, batch.id, {
        username: `van_${String(i).padStart(5, '0')}`,
        outcome: 'no_story',
        attempts: 1,
      });
    }
    const checker = new ScriptedChecker(5);
    const w = startWorker(batchWorkerDeps(app()), {
      checker,
      ...FAST,
      recoveryEveryMs: 60_000,
      recoveryGraceMs: 1_000,
    });
    workers.push(w);
    const r = await w.recoverNow();
    expect(r.resumed).toEqual([batch.id]);
    const done = await waitFor('resumed batch completed', async () => {
      const b = await getBatch(app().core, batch.id);
      return b?.status === 'completed' ? b : undefined;
    });
    console.log('recovery: checked', done.checked, 'of which resumed', checker.starts.length);
    expect(done.checked).toBe(20);
    expect(checker.starts).toHaveLength(10);
    const [p] = await db.sql`select sum(total_checks)::int as c from profiles where username like 'van_%'`;
    expect(p!.c).toBe(20);
  });
  it('GIVEN a running batch whose job failed for good THEN recovery fails the batch with the reason instead of leaving it in progress', async () => {
    await seedNiche(db.sql, 'Doomed', 5, { prefix: 'doom_' });
    const batch = await createBatch(app().core, {
      niche: 'doomed',
      count: 5,
      trigger: 'manual',
      allowDirect: true,
    });
    await db.sql`update batches set status = 'in_progress', started_at = now() where id = ${batch.id}`;
    // A job that failed all its attempts, as after a worker bug or a database away for too long.
    const q = createBatchQueue(app());
    const failing = new Worker(
      BATCHES_QUEUE,
      async () => {
        throw new Error('database unreachable for 10 minutes');
      },
      { connection: app().redis('t-failing'), prefix },
    );
    await q.queue.add('batch', { batchId: batch.id }, { jobId: batchJobId(batch.id), attempts: 1 });
    await waitFor('job failed', async () => (await q.queue.getJob(batchJobId(batch.id)))?.failedReason);
    await failing.close();
    await q.close();
    const w = startWorker(batchWorkerDeps(app()), {
      checker: new ScriptedChecker(5),
      ...FAST,
      recoveryEveryMs: 60_000,
    });
    workers.push(w);
    const r = await w.recoverNow();
    const b = await getBatch(app().core, batch.id);
    console.log('recovery of a failed job:', b?.status, '-', b?.failureReason);
    expect(r.failed).toEqual([batch.id]);
    expect(b?.status).toBe('failed');
    expect(b?.failureReason).toMatch(
      /the batch job failed after 1 attempts: database unreachable for 10 minutes/,
    );
  });
});

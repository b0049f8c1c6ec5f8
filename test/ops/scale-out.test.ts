import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app/context.js';
import { loadEnv } from '../../src/config/env.js';
import { createBatch } from '../../src/core/batches/index.js';
import { createLogger } from '../../src/core/logger.js';
import { createBatchQueue } from '../../src/worker/batch-queue.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import { type FakeInstagram, type FakeUser, startFakeInstagram } from '../fakes/fake-instagram.js';
import { seedNiche, setSettings } from '../helpers/batch-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const WINDOW_MS = 3_000;
const THREADS = 3;
const PER_WINDOW = 24;
const PROFILES = 60;

interface WorkerRun {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function startWorkerProcess(env: Record<string, string>): WorkerRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/ops/worker-process.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: WorkerRun = {
    child,
    lines: [],
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    run.lines.push(...parts.filter(Boolean));
  });
  child.stderr?.on('data', (chunk: Buffer) => run.lines.push(`stderr: ${chunk.toString('utf8')}`));
  return run;
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The most arrivals inside any window of `windowMs` (arrivals sorted ascending). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('scale-out: two worker processes against one Postgres and one Redis', () => {
  let db: TestDatabase;
  let instagram: FakeInstagram;
  let proxies: ConnectProxy[];
  const prefix = `sw-test-${randomUUID().slice(0, 8)}`;
  const workers: WorkerRun[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const users: FakeUser[] = [];
    for (const niche of ['alpha', 'beta']) {
      await seedNiche(db.sql, niche, PROFILES);
      for (let i = 0; i < PROFILES; i++) {
        users.push({
          username: `${niche}_${String(i).padStart(5, '0')}`,
          id: String(users.length + 5000),
          storyPostedAt: i % 4 === 0 ? new Date(Date.now() - 3600_000) : null,
        });
      }
    }
    instagram = await startFakeInstagram({ users, latencyMs: 60 });
    proxies = await startConnectProxies(3);
    for (const p of proxies) {
      await db.sql`insert into proxies (host, port, health) values (${p.host}, ${p.port}, 'ok')`;
    }
    await setSettings(db.sql, { threads: THREADS, profilesPerMinute: PER_WINDOW });
  });

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await stopAll(proxies);
    await instagram.stop();
    await db.drop();
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('GIVEN two workers and a batch handed over mid-run THEN the global caps held and every profile was checked once', async () => {
    const env = {
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      INSTAGRAM_WEB_URL: instagram.url,
      PROXY_REQUESTS_PER_MINUTE: '600',
      LOG_LEVEL: 'info',
      TEST_WINDOW_MS: String(WINDOW_MS),
    };
    workers.push(startWorkerProcess(env), startWorkerProcess(env));
    for (const w of workers)
      await until('worker ready', () => w.lines.some((l) => l.includes('worker process ready')) || undefined);

    const log = createLogger({ level: 'silent' });
    const app = createAppContext(loadEnv({ DATABASE_URL: db.url, QUEUE_PREFIX: prefix }), log);
    const queue = createBatchQueue(app);
    const alpha = await createBatch(app.core, {
      niche: 'alpha',
      count: PROFILES,
      trigger: 'manual',
      allowDirect: false,
    });
    const beta = await createBatch(app.core, {
      niche: 'beta',
      count: PROFILES,
      trigger: 'manual',
      allowDirect: false,
    });
    await queue.enqueueBatch(alpha.id);
    await queue.enqueueBatch(beta.id);

    // Stop the process running alpha once a quarter of it is done; the other one must finish it.
    const runsAlpha = (w: WorkerRun) =>
      w.lines.some((l) => l.includes('"batch running"') && l.includes(`"batchId":${alpha.id}`));
    const first = await until('alpha to start', () => workers.find(runsAlpha));
    await until('alpha a quarter done', async () => {
      const [row] = await db.sql<{ checked: number }[]>`select checked from batches where id = ${alpha.id}`;
      return (row?.checked ?? 0) >= PROFILES / 4 || undefined;
    });
    first.child.kill('SIGTERM');
    const firstExit = await first.exited;
    const other = workers.find((w) => w !== first)!;

    const done = await until(
      'both batches to complete',
      async () => {
        const rows = await db.sql<{ id: number; status: string; checked: number; stories: number }[]>`
          select id, status::text as status, checked, stories from batches order by id`;
        return rows.every((r) => r.status === 'completed') ? rows : undefined;
      },
      90_000,
    );
    await queue.close();
    await app.close();

    const [items] = await db.sql<{ open: number; total: number }[]>`
      select count(*) filter (where outcome is null)::int as open, count(*)::int as total from batch_items`;
    const [profiles] = await db.sql<{ once: number; total: number }[]>`
      select count(*) filter (where total_checks = 1)::int as once, count(*)::int as total from profiles`;
    const lookups = new Map<string, number>();
    for (const r of instagram.requestsTo('profile')) {
      if (r.username) lookups.set(r.username, (lookups.get(r.username) ?? 0) + 1);
    }
    const starts = instagram
      .requestsTo('profile')
      .map((r) => r.at)
      .sort((a, b) => a - b);
    const busiestWindow = maxInWindow(starts, WINDOW_MS);
    const ranAlpha = workers.filter(runsAlpha).length;
    console.log(
      JSON.stringify({
        batches: done,
        items,
        profiles,
        maxConcurrentAtInstagram: instagram.maxConcurrent,
        threads: THREADS,
        busiestWindow,
        capPerWindow: PER_WINDOW,
        windowMs: WINDOW_MS,
        lookupsPerProfile: Math.max(...lookups.values()),
        processesThatRanAlpha: ranAlpha,
        firstExit,
        workerErrors: workers.flatMap((w) =>
          w.lines.filter((l) => l.startsWith('stderr') || /"level":[56]0/.test(l)),
        ),
        requestsByIp: instagram.requestsByIp,
      }),
    );

    // SIGTERM mid-batch: the process handed the batch back and exited cleanly.
    expect(firstExit).toBe(0);
    expect(items).toEqual({ open: 0, total: 2 * PROFILES });
    expect(profiles).toEqual({ once: 2 * PROFILES, total: 2 * PROFILES });
    expect(lookups.size).toBe(2 * PROFILES);
    expect(Math.max(...lookups.values())).toBe(1);
    expect(instagram.maxConcurrent).toBeLessThanOrEqual(THREADS);
    expect(busiestWindow).toBeLessThanOrEqual(PER_WINDOW);
    // The batch really crossed processes, and both processes did work.
    expect(ranAlpha).toBe(2);
    expect(other.lines.some((l) => l.includes(`"batchId":${beta.id}`))).toBe(true);
    expect(done.reduce((n, b) => n + b.stories, 0)).toBe(2 * (PROFILES / 4));
  }, 120_000);
});

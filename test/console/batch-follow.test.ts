import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { createCommandServices } from '../../src/app/services.js';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import {
  type ConsoleBackend,
  type ConsoleDeps,
  type ConsoleRunOptions,
  runConsole,
} from '../../src/bot/console/run-console.js';
import type { RunningStoryChecker } from '../../src/checker/index.js';
import { getBatch } from '../../src/core/batches/index.js';
import { startWorker, type WorkerHandle } from '../../src/worker/batch-worker.js';
import { setSettings } from '../helpers/batch-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestApp, deleteRedisPrefix, newPrefix, testChecker, waitFor } from '../worker/support.js';
import { createWorld, type World } from '../worker/world.js';

/**
 * `batch run NICHE COUNT --follow` on the console, against a real worker (in this process), the real
 * checker, two local proxies and the fake Instagram: what an operator sees while a batch runs.
 */

const USERS = 40;
const STORIES = USERS / 4; // createWorld: every 4th user has a story

let db: TestDatabase;
let world: World;
let app: AppContext;
let checker: RunningStoryChecker;
let worker: WorkerHandle;
let prefix: string;
let closeServices: () => Promise<void>;
let deps: ConsoleDeps;

beforeAll(async () => {
  db = await createTestDatabase();
  world = await createWorld(db.sql, { users: USERS, proxies: 2, latencyMs: 20, niche: 'Follow' });
  prefix = newPrefix();
  app = createTestApp(db.url, prefix);
  await setSettings(db.sql, { threads: 4, profilesPerMinute: 600 });
  checker = await testChecker(app, world.fake.url, prefix, { healthFlushMs: 200 });
  worker = startWorker(batchWorkerDeps(app), { checker, pollMs: 100, settingsRefreshMs: 300 });
  const commands = createCommandServices(app);
  closeServices = commands.close;
  const backend: ConsoleBackend = {
    registerDiscord: () => Promise.reject(new Error('not here')),
    withCommandBase: (work) => work({ core: app.core, services: commands.services }),
  };
  deps = { configure: () => backend };
});

afterAll(async () => {
  await worker?.close();
  await checker?.close();
  await closeServices?.();
  await app?.close();
  await world?.close();
  await deleteRedisPrefix(prefix);
  await db?.drop();
});

interface Captured {
  code: number;
  out: string[];
  err: string[];
  progress: string[];
}

async function storywatch(
  argv: string[],
  options: ConsoleRunOptions & { isTTY?: boolean; onProgress?: (text: string) => void } = {},
): Promise<Captured> {
  const c: Captured = { code: -1, out: [], err: [], progress: [] };
  const io = {
    out: (t: string) => void c.out.push(t),
    err: (t: string) => void c.err.push(t),
    progress: {
      isTTY: options.isTTY ?? false,
      write: (t: string) => {
        c.progress.push(t);
        options.onProgress?.(t);
      },
    },
  };
  c.code = await runConsole(argv, deps, io, { followPollMs: 50, ...options });
  return c;
}

/** The checked counts the progress lines showed, in order. */
const checkedCounts = (lines: readonly string[]) =>
  lines.flatMap((l) => [...l.matchAll(/(\d+)\/\d+ checked/g)].map((m) => Number(m[1])));

describe('batch run --follow on the console', { timeout: 60_000 }, () => {
  it('GIVEN a batch followed in a log (no terminal) THEN a progress line per step, growing to 100 %, then the summary with the usernames', async () => {
    const r = await storywatch(['batch', 'run', 'follow', String(USERS), '--follow']);
    expect(r.code).toBe(0);
    const [queued, summary] = r.out;
    expect(queued).toMatch(/^Batch #\d+ for Follow: 40 profiles .*queued\. Progress shows here/);
    expect(summary).toMatch(
      new RegExp(`Batch #\\d+ Follow \\(manual\\): completed, ${USERS}/${USERS} checked, ${STORIES} stories`),
    );
    const listed = (summary ?? '').split('\n').filter((l) => /^user\d+$/.test(l));
    expect(listed.sort()).toEqual([...world.storyUsers].sort());
    const lines = r.progress.join('').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.at(-1)).toMatch(/^\[#{30}\] 100% {2}40\/40 checked/);
    const counts = checkedCounts(lines);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // A line per tenth at most (plus the pending and started states), never a line per poll.
    expect(lines.length).toBeLessThanOrEqual(13);
  });

  it('GIVEN --json --follow on a terminal THEN the bar is redrawn in place on stderr and stdout is one JSON document of the finished batch', async () => {
    const r = await storywatch(['batch', 'run', 'follow', String(USERS), '--json', '--follow'], {
      isTTY: true,
    });
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const data = JSON.parse(r.out[0] ?? '') as Record<string, unknown>;
    expect(data).toMatchObject({
      niche: 'Follow',
      status: 'completed',
      requested: USERS,
      checked: USERS,
      stories: STORIES,
      errorTotal: 0,
    });
    expect(data.usernames).toHaveLength(STORIES);
    expect(r.progress.every((w) => w.startsWith('\r') || w === '\n')).toBe(true);
    expect(r.progress.at(-1)).toBe('\n');
    expect(r.progress.join('')).toContain('100%  40/40 checked');
  });

  it('GIVEN Ctrl-C while following THEN following stops (exit 130) with how to look at the batch, and the batch runs to its end', async () => {
    const stop = new AbortController();
    const r = await storywatch(['batch', 'run', 'follow', String(USERS), '--follow'], {
      interrupt: stop.signal,
      onProgress: () => stop.abort(),
    });
    expect(r.code).toBe(130);
    const said = r.out.at(-1) ?? '';
    expect(said).toMatch(/Stopped following batch #(\d+); the batch goes on\./);
    expect(said).toContain('storywatch batch status');
    const id = Number(/#(\d+)/.exec(said)?.[1]);
    const done = await waitFor('the batch to end', async () => {
      const b = await getBatch(app.core, id);
      return b && b.status !== 'pending' && b.status !== 'in_progress' ? b : undefined;
    });
    expect([done.status, done.checked]).toEqual(['completed', USERS]);
  });

  it('GIVEN --follow on another command THEN it is refused with the one command that takes it', async () => {
    const r = await storywatch(['batch', 'status', '--follow']);
    expect(r.code).toBe(2);
    expect(r.err.join('')).toContain(
      '--follow works with batch run only: storywatch batch run NICHE COUNT --follow',
    );
  });

  it('GIVEN batch history --json THEN each batch carries what the table shows: niche, trigger, counts, errors, timings, stop reason', async () => {
    const r = await storywatch(['batch', 'history', '--json']);
    expect(r.code).toBe(0);
    const { batches } = JSON.parse(r.out[0] ?? '') as { batches: Array<Record<string, unknown>> };
    expect(batches).toHaveLength(3);
    for (const b of batches) {
      expect(b).toMatchObject({
        niche: 'Follow',
        trigger: 'manual',
        status: 'completed',
        requested: USERS,
        checked: USERS,
        stories: STORIES,
        private: 0,
        notFound: 0,
        deleted: 0,
        errors: {},
        errorTotal: 0,
        stopReason: null,
        startedFrom: 'console',
      });
      expect(Date.parse(String(b.createdAt))).toBeLessThanOrEqual(Date.parse(String(b.finishedAt)));
      expect(b.durationS).toEqual(expect.any(Number));
    }
    expect(batches.map((b) => b.id)).toEqual(
      [...batches.map((b) => b.id)].sort((a, b) => Number(b) - Number(a)),
    );
  });
});

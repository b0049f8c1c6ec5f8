import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/charts/stats-chart.js';
import { ADMIN_URL } from '../helpers/global-setup.js';

/**
 * `npm run demo` as a newcomer runs it after `npm ci`: a child process with nothing but PATH, HOME and
 * the run's data folder set, plus a database name and queue prefix of this test's own so it runs beside
 * the other test files (the demo adds `_demo` and `-demo` to them; a user's default is storywatch_demo).
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const LIMIT_MS = 60_000;
const base = `sw_t_${inject('testRunId')}_${randomBytes(3).toString('hex')}`;
const prefix = `sw-test-${randomBytes(4).toString('hex')}`;

function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

interface Run {
  code: number | null;
  output: string;
  ms: number;
}

function npmRunDemo(env: Record<string, string>): Promise<Run> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn('npm', ['run', '-s', 'demo'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        STORYWATCH_DATA_DIR: process.env.STORYWATCH_DATA_DIR ?? '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    // The promise: the demo is over within a minute.
    const killer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(killer);
      done({ code, output, ms: Date.now() - started });
    });
  });
}

/** The text of one walkthrough step, from its header to the next. */
function step(output: string, n: number): string {
  const from = output.indexOf(`== ${n}/`);
  const to = output.indexOf(`== ${n + 1}/`, from + 1);
  return from < 0 ? '' : output.slice(from, to < 0 ? undefined : to);
}

afterAll(async () => {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${base}_demo" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
});

describe('npm run demo', { timeout: LIMIT_MS + 15_000 }, () => {
  it('GIVEN Postgres and Redis at hand THEN it walks through niches, import, proxies, a followed batch, results, stats with a chart and the digest, cleans up its Redis keys and exits 0 within a minute', async () => {
    const run = await npmRunDemo({ DATABASE_URL: databaseUrl(base), QUEUE_PREFIX: prefix });
    console.log(`npm run demo: exit ${run.code} after ${(run.ms / 1000).toFixed(1)} s`);
    expect(run.code, run.output).toBe(0);
    const out = run.output;

    expect(step(out, 1)).toContain('Niche "fitness" created');
    expect(step(out, 1)).toContain('Niche "travel" created');
    const imported = step(out, 2);
    expect(imported).toMatch(
      /Import into fitness: 60 profiles added, .*1 repeated in the input, 3 malformed/,
    );
    expect(imported).toMatch(/bad-name!/);
    expect(imported).toMatch(/Import into travel: 20 profiles added/);
    expect(step(out, 3)).toMatch(/2 reachable/);

    const batch = step(out, 4);
    expect(batch).toMatch(/\] 100% {2}60\/60 checked/);
    expect(batch).toMatch(/Batch #1 fitness \(manual\): completed, 60\/60 checked, [1-9]\d* stories/);
    const found = batch.slice(batch.indexOf('Stories found in batch #1'));
    const usernames = found.split('\n').filter((l) => /^[a-z0-9._]{3,30}$/.test(l));
    expect(usernames.length).toBeGreaterThan(0);
    // results lists the same usernames, each with a story seen now.
    for (const u of usernames)
      expect(step(out, 5)).toMatch(new RegExp(`^${u.replace(/\./g, '\\.')}\\s+fitness`, 'm'));

    const chartPath = /Wrote (\S+\.png) \(\d+ bytes, PNG\)/.exec(step(out, 6))?.[1];
    expect(chartPath).toBeDefined();
    const png = await readFile(chartPath as string);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([CHART_WIDTH, CHART_HEIGHT]);

    expect(step(out, 7)).toMatch(/Hourly digest .*: [1-9]\d* new stor/);
    expect(step(out, 7)).toContain(usernames[0]);
    expect(out).toMatch(/Demo finished in \d+\.\d s/);

    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    try {
      expect(await redis.keys(`${prefix}-demo:*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('GIVEN Postgres not answering THEN it exits 1 with a message naming Postgres and what to check', async () => {
    const run = await npmRunDemo({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/storywatch',
      QUEUE_PREFIX: prefix,
    });
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain('The demo cannot start');
    expect(run.output).toContain('cannot use Postgres');
    expect(run.output).toContain('Is Postgres running and listening where DATABASE_URL');
  });

  it('GIVEN a kept demo running THEN a second demo, or one whose Redis is not answering, exits 1 saying why and leaves the kept demo its data', async () => {
    const own = `${base}k`;
    const env = { DATABASE_URL: databaseUrl(own), QUEUE_PREFIX: `${prefix}k` };
    // node itself, not npm: the test stops it the way Ctrl-C does, with SIGINT to the process.
    const kept = spawn('node', ['--import', 'tsx', 'src/app/console-main.ts', 'demo', '--keep'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let keptOut = '';
    const ready = new Promise<void>((resolve, reject) => {
      kept.stdout.on('data', (c: Buffer) => {
        keptOut += c.toString('utf8');
        if (keptOut.includes('Press Ctrl-C here to stop the demo.')) resolve();
      });
      kept.on('exit', () => reject(new Error(`kept demo exited early:\n${keptOut}`)));
    });
    const exited = new Promise<number | null>((r) => kept.on('exit', r));
    const admin = postgres(databaseUrl(`${own}_demo`), { max: 1, onnotice: () => {} });
    try {
      await ready;
      const second = await npmRunDemo(env);
      expect(second.code, second.output).toBe(1);
      expect(second.output).toMatch(/Another demo \(process \d+ on .*\) is running on the database/);
      expect(second.output).toContain('Stop that one first');
      const noRedis = await npmRunDemo({ ...env, REDIS_URL: 'redis://127.0.0.1:1' });
      expect(noRedis.code, noRedis.output).toBe(1);
      expect(noRedis.output).toContain('The demo cannot start: cannot use Redis');
      // The kept demo's niches are still there: neither run emptied its database.
      const niches = await admin<{ n: number }[]>`select count(*)::int as n from niches`;
      expect(niches[0]?.n).toBe(2);
    } finally {
      await admin.end({ timeout: 5 });
      kept.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(keptOut).toContain('Demo stopped.');
    const admin2 = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin2
      .unsafe(`drop database if exists "${own}_demo" with (force)`)
      .finally(() => admin2.end({ timeout: 5 }));
  });

  it('GIVEN Ctrl-C while the demo follows its batch THEN it says it was interrupted (not that a step failed), deletes its Redis keys and exits 130', async () => {
    const own = `${base}i`;
    const keys = `${prefix}i`;
    const child = spawn('node', ['--import', 'tsx', 'src/app/console-main.ts', 'demo'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        DATABASE_URL: databaseUrl(own),
        QUEUE_PREFIX: keys,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const following = new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        if (/\] +\d+% +\d+\/60 checked/.test(step(out, 4))) resolve();
      });
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    await following;
    child.kill('SIGINT');
    expect(await exited, out).toBe(130);
    expect(out).toContain('Demo interrupted after');
    expect(out).toContain('a batch it started does not go on');
    expect(out).toContain('the worker of this process stops too');
    expect(out).not.toContain('the batch goes on');
    expect(out).not.toContain('failed (above)');
    expect(out).not.toContain('== 5/');
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
    try {
      expect(await redis.keys(`${keys}-demo*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin
      .unsafe(`drop database if exists "${own}_demo" with (force)`)
      .finally(() => admin.end({ timeout: 5 }));
  });
});

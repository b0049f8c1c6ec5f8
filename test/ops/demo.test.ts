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
    expect(run.output).toContain('The demo needs Postgres and Redis');
    expect(run.output).toContain('cannot use Postgres');
    expect(run.output).toContain('Is Postgres running and listening where DATABASE_URL');
  });
});

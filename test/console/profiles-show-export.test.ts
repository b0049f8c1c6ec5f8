import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const KEY = randomBytes(32).toString('hex');
const BIN = resolve(import.meta.dirname, '../../bin/storywatch.js');
let database: TestDatabase;
let dir: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real bin as an operator would, in a scratch directory, against this file's database. */
function storywatch(...args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DATABASE_URL: database.url,
          CREDENTIALS_KEY: KEY,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'sw-console-export-'));
  await database.sql`insert into niches (name, position) values ('travel & vanlife', 1)`;
  await database.sql`
    insert into profiles (username, niche_id, status, total_checks, total_detected, last_checked_at) values
      ('van.one', 1, 'active', 3, 1, now() - interval '10 minutes'),
      ('van.two', 1, 'active', 0, 0, null),
      ('van.gone', 1, 'deleted', 2, 0, now() - interval '2 days')`;
  await database.sql`
    insert into batches (niche_id, niche_name, trigger, requested, status) values (1, 'travel & vanlife', 'manual', 1, 'completed')`;
  await database.sql`
    insert into batch_items (batch_id, username, outcome, attempts, checked_at)
    values (1, 'van.one', 'story', 1, now() - interval '10 minutes')`;
});
afterAll(async () => {
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('profiles show and export on the console', { timeout: 120_000 }, () => {
  it('GIVEN profiles show THEN prints the profile and its checks; an unknown name is refused by name', async () => {
    const show = await storywatch('profiles', 'show', 'van.one');
    expect(show).toMatchObject({ code: 0, stderr: '' });
    expect(show.stdout).toContain('Profile van.one: niche "travel & vanlife", active');
    expect(show.stdout).toContain('Checked 3 times, a story seen 1 time.');
    expect(show.stdout).toMatch(/10 min ago\s+#1\s+travel & vanlife\s+story/);
    const unknown = await storywatch('profiles', 'show', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No profile "nobody" in the master list.');
  });

  it('GIVEN export without --out THEN writes a file in the current directory and prints its path', async () => {
    const r = await storywatch('profiles', 'export', 'travel & vanlife');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const path = join(dir, 'profiles-travel-vanlife-active.txt');
    expect(r.stdout).toContain(`Wrote ${path} (16 bytes).`);
    expect(await readFile(path, 'utf8')).toBe('van.one\nvan.two\n');
  });

  it('GIVEN --out PATH and --csv THEN the csv is at that path; --out - puts only the file on stdout', async () => {
    const out = join(dir, 'all.csv');
    const r = await storywatch('profiles', 'export', 'all', 'all', '--csv', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Wrote ${out}`);
    const csv = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(csv.map((l) => l.split(',')[0])).toEqual(['username', 'van.gone', 'van.one', 'van.two']);
    const piped = await storywatch('profiles', 'export', 'travel & vanlife', 'deleted', '--out', '-');
    expect(piped).toMatchObject({ code: 0, stdout: 'van.gone\n' });
    expect(piped.stderr).toContain('1 profile of niche "travel & vanlife" (deleted)');
  });
});

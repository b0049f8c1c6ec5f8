import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleDeps, runConsole } from '../../src/bot/console/run-console.js';
import { createNiche } from '../../src/core/niches.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

// `storywatch import fitness big.txt` through the console front-end, with its standard error captured.
let deps: TestDeps;
let dir: string;
const savedInitCwd = process.env.INIT_CWD;
const LINES = 200_000;

async function importWithProgress(isTTY: boolean, ...words: string[]) {
  const out: string[] = [];
  const stderr: string[] = [];
  const consoleDeps: ConsoleDeps = {
    configure: () => ({
      registerDiscord: () => Promise.reject(new Error('not in this test')),
      withCommandBase: (work) => work({ core: deps, services: {} }),
    }),
  };
  const io = {
    out: (t: string) => out.push(t),
    err: (t: string) => stderr.push(`${t}\n`),
    progress: { isTTY, write: (t: string) => stderr.push(t) },
  };
  const code = await runConsole(['import', ...words], consoleDeps, io);
  expect(code).toBe(0);
  return { text: out.join('\n'), stderr };
}

beforeAll(async () => {
  deps = await createTestDeps({ max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'sw-import-progress-'));
  process.env.INIT_CWD = dir;
  await createNiche(deps, 'fitness');
  await createNiche(deps, 'food');
  // 500 of the file's names are in the master list already: 300 unassigned, 200 in another niche.
  await deps.sql`insert into profiles (username, niche_id)
    select 'big_' || lpad(i::text, 6, '0'), case when i < 300 then null else (select id from niches where name = 'food') end
    from generate_series(0, 499) i`;
  const lines = Array.from({ length: LINES }, (_, i) => `big_${String(i).padStart(6, '0')}`);
  await writeFile(join(dir, 'big.txt'), `${lines.join('\n')}\n`);
});
afterAll(async () => {
  if (savedInitCwd === undefined) delete process.env.INIT_CWD;
  else process.env.INIT_CWD = savedInitCwd;
  await deps.close();
  await rm(dir, { recursive: true, force: true });
});

describe('console: importing a large file shows its progress on standard error', () => {
  it('GIVEN 200,000 lines and stderr not a terminal THEN a line at the start and per tenth, and the right report', async () => {
    const r = await importWithProgress(false, 'fitness', 'big.txt');
    console.log(`progress lines:\n${r.stderr.join('')}`);
    expect(r.stderr.every((t) => t.endsWith('\n') && !t.includes('\r'))).toBe(true);
    expect(r.stderr[0]).toBe('Importing into fitness: 0 of 200,000 usernames (0 %)\n');
    expect(r.stderr).toContain('Importing into fitness: 100,000 of 200,000 usernames (50 %)\n');
    expect(r.stderr.at(-1)).toBe('Importing into fitness: 200,000 of 200,000 usernames (100 %)\n');
    expect(r.stderr).toHaveLength(11);
    expect(r.text).toContain(
      'Import into fitness: 199,500 profiles added, 300 moved here from unassigned (big_000000, big_000001, big_000002, ...), 200 already present, 0 repeated in the input, 0 malformed.',
    );
    expect(r.text).toMatch(/food +200 +big_000300, big_000301, big_000302/);
    const [n] = await deps.sql<{ fitness: number; unassigned: number }[]>`
      select count(*) filter (where niche_id = (select id from niches where name = 'fitness'))::int as fitness,
             count(*) filter (where niche_id is null)::int as unassigned
      from profiles`;
    expect(n).toEqual({ fitness: 199_800, unassigned: 0 });
  });

  it('GIVEN a terminal THEN one line redrawn with \\r, ended once before the reply', async () => {
    const r = await importWithProgress(true, 'fitness', 'big.txt');
    expect(r.stderr.length).toBeGreaterThan(5);
    expect(r.stderr.slice(0, -1).every((t) => t.startsWith('\r') && !t.includes('\n'))).toBe(true);
    expect(r.stderr.at(-2)?.trim()).toBe('Importing into fitness: 200,000 of 200,000 usernames (100 %)');
    expect(r.stderr.at(-1)).toBe('\n');
    expect(r.text).toContain('Import into fitness: 0 profiles added, 200,000 already present');
  });

  it('GIVEN a small import THEN no progress lines: it is done before one could be read', async () => {
    const r = await importWithProgress(false, 'fitness', 'small_one', 'small_two');
    expect(r.stderr).toEqual([]);
    expect(r.text).toContain('Import into fitness: 2 profiles added');
  });
});

import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const ROWS = 1_000_000;
const CHILD = resolve(import.meta.dirname, '../helpers/export-child.ts');
let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase({ max: 2 });
  dir = await mkdtemp(join(tmpdir(), 'sw-export-'));
  await database.sql`insert into niches (name, position) values ('fitness', 1), ('travel', 2)`;
  // One statement: every third profile unassigned, the rest split between the two niches.
  await database.sql`
    insert into profiles (username, niche_id, status, total_checks)
    select 'p' || lpad(g::text, 7, '0'),
      case g % 3 when 0 then null when 1 then (select id from niches where name = 'fitness')
        else (select id from niches where name = 'travel') end,
      (case when g % 50 = 0 then 'deleted' else 'active' end)::profile_status, g % 100
    from generate_series(1, ${ROWS}) g`;
}, 300_000);
afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

function exportInChild(
  out: string,
  ...words: string[]
): Promise<{ data: { rows: number }; baselineMb: number; maxRssMb: number }> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, out, ...words],
      { env: { ...process.env, DATABASE_URL: database.url }, timeout: 240_000 },
      (err, stdout, stderr) =>
        err ? fail(new Error(`${err.message}\n${stderr}`)) : done(JSON.parse(stdout)),
    );
  });
}

describe('profiles export all of 1,000,000 profiles', { timeout: 300_000 }, () => {
  it('GIVEN 1,000,000 profiles THEN the csv has every row once, in username order, and peak RSS stays under 200 MB', async () => {
    const out = join(dir, 'all.csv');
    const result = await exportInChild(out, 'profiles', 'export', 'all', 'all', '--csv');
    console.log(
      `profiles export all all --csv of ${ROWS} rows: peak RSS ${result.maxRssMb.toFixed(1)} MB (${result.baselineMb.toFixed(1)} MB before the export)`,
    );
    expect(result.data.rows).toBe(ROWS);
    let lines = 0;
    let previous = '';
    let outOfOrder = 0;
    let header = '';
    for await (const line of createInterface({ input: createReadStream(out) })) {
      if (lines++ === 0) {
        header = line;
        continue;
      }
      const username = line.slice(0, line.indexOf(','));
      // Strictly increasing usernames: none repeated, none out of place.
      if (username <= previous) outOfOrder++;
      previous = username;
    }
    expect(header.startsWith('username,niche,status,')).toBe(true);
    expect(lines - 1).toBe(ROWS);
    expect(outOfOrder).toBe(0);
    expect(previous).toBe('p1000000');
    expect(result.maxRssMb).toBeLessThan(200);
  });
});

import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discardReplyFiles } from '../../src/bot/shared/reply-files.js';
import type { Reply } from '../../src/reply/reply.js';
import { run } from '../core/command-helpers.js';
import { createTestDeps, ManualClock, type TestDeps } from '../helpers/deps.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const clock = new ManualClock(NOW);
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps({ clock });
  await run(deps, 'niche add fitness');
  await run(deps, 'niche add "Road Trips"');
  const fitness = (await deps.sql`select id from niches where name = 'fitness'`)[0]?.id as number;
  // fitness: 5 active (f0..f4) and 3 deleted (fd0..fd2); Road Trips: 2; unassigned: 1.
  await deps.sql`
    insert into profiles (username, niche_id, status, total_checks, total_detected) values
      ('f3', ${fitness}, 'active', 12, 2), ('f0', ${fitness}, 'active', 0, 0), ('f1', ${fitness}, 'active', 1, 0),
      ('f2', ${fitness}, 'active', 0, 0), ('f4', ${fitness}, 'active', 0, 0),
      ('fd0', ${fitness}, 'deleted', 4, 0), ('fd1', ${fitness}, 'deleted', 0, 0), ('fd2', ${fitness}, 'deleted', 0, 0),
      ('road.a', (select id from niches where name = 'Road Trips'), 'active', 0, 0),
      ('road.b', (select id from niches where name = 'Road Trips'), 'active', 0, 0),
      ('loose', null, 'active', 0, 0)`;
  await deps.sql`
    update profiles set not_found_strikes = 1, last_not_found_at = ${new Date(NOW.getTime() - 2 * 3_600_000)},
      last_checked_at = ${new Date(NOW.getTime() - 5 * 60_000)}, last_detected_at = ${new Date(NOW.getTime() - 3 * 3_600_000)},
      ig_user_id = '4242'
    where username = 'f3'`;
  // 12 batches checked f3, one per hour: outcomes cycle so each row is recognisable.
  const outcomes = ['story', 'no_story', 'not_found', 'private'];
  for (let i = 0; i < 12; i++) {
    const at = new Date(NOW.getTime() - (i + 1) * 3_600_000 + 60_000);
    const [b] = await deps.sql<{ id: number }[]>`
      insert into batches (niche_id, niche_name, trigger, requested, status, created_at)
      values (${fitness}, 'fitness', 'auto', 1, 'completed', ${at}) returning id::int as id`;
    await deps.sql`
      insert into batch_items (batch_id, username, outcome, attempts, checked_at)
      values (${b?.id as number}, 'f3', ${outcomes[i % 4] as string}, 1, ${at})`;
  }
  // A story seen 3 h ago (expires in 20 h) and one seen 30 h ago (outside the 24 h window).
  await deps.sql`
    insert into detections (username, niche_id, detected_at, story_taken_at, story_expires_at) values
      ('f3', ${fitness}, ${new Date(NOW.getTime() - 3 * 3_600_000)}, ${new Date(NOW.getTime() - 4 * 3_600_000)},
        ${new Date(NOW.getTime() + 20 * 3_600_000)}),
      ('f3', ${fitness}, ${new Date(NOW.getTime() - 30 * 3_600_000)}, null, null)`;
});
afterAll(async () => {
  await deps.close();
});

describe('profiles show', () => {
  it('GIVEN a checked profile THEN shows niche, status, totals, strikes, the 10 newest checks and the story with its expiry', async () => {
    const { reply, text } = await run(deps, 'profiles show @F3');
    expect(text).toContain('Profile f3: niche "fitness", active');
    expect(text).toContain('Last checked: 5 min ago. Last story seen: 3 h ago.');
    expect(text).toContain('Checked 12 times, a story seen 2 times. Not-found strikes: 1 (last 2 h ago');
    expect(text).toContain('Last 10 checks:');
    const checks = reply.blocks.find((b) => b.type === 'table');
    expect(checks?.type === 'table' && checks.columns).toEqual(['checked', 'batch', 'niche', 'outcome']);
    const rows = checks?.type === 'table' ? checks.rows : [];
    expect(rows).toHaveLength(10);
    // Newest first: the first batch inserted (i = 0) checked 59 min ago.
    expect(rows[0]).toEqual(['59 min ago', expect.stringMatching(/^#\d+$/), 'fitness', 'story']);
    expect(rows.map((r) => r[3])).toEqual([
      'story',
      'no_story',
      'not_found',
      'private',
      'story',
      'no_story',
      'not_found',
      'private',
      'story',
      'no_story',
    ]);
    expect(text).toContain('Stories seen in the last 24 h (1):');
    expect(text).toMatch(/3 h ago\s+in 20 h 0 min/);
    expect(reply.data).toMatchObject({ username: 'f3', notFoundStrikes: 1, totalChecks: 12 });
  });

  it('GIVEN a profile never checked THEN says so instead of empty tables', async () => {
    const { text } = await run(deps, 'profiles show loose');
    expect(text).toContain('Profile loose: unassigned, active');
    expect(text).toContain('Last checked: never.');
    expect(text).toContain('No checks yet.');
    expect(text).toContain('No story seen in the last 24 h.');
  });

  it('GIVEN an unknown or malformed username THEN the reply names it', async () => {
    const unknown = await run(deps, 'profiles show nobody.here');
    expect(unknown.text).toBe('Error: No profile "nobody.here" in the master list.');
    const bad = await run(deps, 'profiles show no/such');
    expect(bad.text).toMatch(/^Error: "no\/such" is not one Instagram username/);
  });
});

async function exported(reply: Reply): Promise<{ fileName: string; content: string; caption?: string }> {
  const file = reply.blocks.find((b) => b.type === 'file');
  if (file?.type !== 'file' || !file.path) throw new Error(`no file on disk in ${JSON.stringify(reply)}`);
  const content = await readFile(file.path, 'utf8');
  await discardReplyFiles(reply);
  await expect(stat(file.path)).rejects.toThrow();
  return { fileName: file.fileName, content, ...(file.caption ? { caption: file.caption } : {}) };
}

describe('profiles export', () => {
  it('GIVEN a niche with active and deleted profiles THEN txt has the active ones, one a line, each once', async () => {
    const { reply } = await run(deps, 'profiles export fitness');
    const file = await exported(reply);
    expect(file.fileName).toBe('profiles-fitness-active.txt');
    expect(file.content).toBe('f0\nf1\nf2\nf3\nf4\n');
    expect(file.caption).toBe('5 profiles of niche "fitness" (active) (one username a line).');
    const deleted = await exported((await run(deps, 'profiles export fitness deleted')).reply);
    expect(deleted.content).toBe('fd0\nfd1\nfd2\n');
  });

  it('GIVEN --csv and all THEN a header and every master-list column, each profile once', async () => {
    const { reply } = await run(deps, 'profiles export fitness all --csv');
    const file = await exported(reply);
    expect(file.fileName).toBe('profiles-fitness-all.csv');
    const lines = file.content.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'username,niche,status,ig_user_id,added_at,last_checked_at,last_detected_at,total_checks,total_detected,not_found_strikes,last_not_found_at,last_not_found_proxy_id',
    );
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([
      'f0',
      'f1',
      'f2',
      'f3',
      'f4',
      'fd0',
      'fd1',
      'fd2',
    ]);
    const f3 = lines.find((l) => l.startsWith('f3,'))?.split(',');
    expect(f3?.slice(0, 4)).toEqual(['f3', 'fitness', 'active', '4242']);
    expect(f3?.[5]).toBe('2026-03-10T11:55:00.000Z');
    expect(f3?.slice(7, 10)).toEqual(['12', '2', '1']);
    expect(lines.find((l) => l.startsWith('fd0,'))?.split(',')[2]).toBe('deleted');
  });

  it('GIVEN unassigned, all, and a niche name with a space THEN each scope exports its own rows', async () => {
    expect((await exported((await run(deps, 'profiles export unassigned')).reply)).content).toBe('loose\n');
    const road = await exported((await run(deps, 'profiles export "road trips" csv')).reply);
    expect(road.fileName).toBe('profiles-road-trips-active.csv');
    expect(
      road.content
        .split('\n')
        .slice(1, 3)
        .map((l) => l.split(',').slice(0, 2)),
    ).toEqual([
      ['road.a', 'Road Trips'],
      ['road.b', 'Road Trips'],
    ]);
    const all = await exported((await run(deps, 'profiles export all all')).reply);
    expect(all.content.trimEnd().split('\n')).toHaveLength(11);
  });

  it('GIVEN an unknown niche or an empty list THEN a clear reply and no file', async () => {
    const unknown = await run(deps, 'profiles export travel');
    expect(unknown.text).toMatch(/^Error: .*"travel"/);
    const empty = await run(deps, 'profiles export "Road Trips" deleted');
    expect(empty.text).toBe('No profiles in niche "Road Trips" (deleted): nothing to export.');
    expect(empty.reply.blocks.some((b) => b.type === 'file')).toBe(false);
    const badFormat = await run(deps, 'profiles export fitness active pdf');
    expect(badFormat.text).toMatch(/^Error: /);
  });
});

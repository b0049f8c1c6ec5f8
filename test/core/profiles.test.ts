import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { createNiche, removeNiche } from '../../src/core/niches.js';
import {
  compactProfileCounts,
  countProfiles,
  deleteProfiles,
  listProfiles,
  moveProfiles,
} from '../../src/core/profiles/index.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
let fit: number;
let food: number;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => {
  await deps.close();
});

const HOUR = 3600_000;
const base = new Date('2026-11-20T12:00:00Z');

/**
 * fitness: f00..f29 (f25-f29 deleted); odd ones never checked, even ones checked i hours before `base`;
 * every third detected (i * 2 hours before base) with total_detected = i % 4. food: 3; unassigned: 2.
 */
beforeEach(async () => {
  await deps.sql`delete from profiles`;
  await deps.sql`delete from niches`;
  fit = (await createNiche(deps, 'fitness')).id;
  food = (await createNiche(deps, 'food')).id;
  for (let i = 0; i < 30; i++) {
    const name = `f${String(i).padStart(2, '0')}`;
    await deps.sql`
      insert into profiles (username, niche_id, status, last_checked_at, last_detected_at, total_checks, total_detected)
      values (${name}, ${fit}, ${i >= 25 ? 'deleted' : 'active'},
        ${i % 2 === 0 ? new Date(base.getTime() - i * HOUR) : null},
        ${i % 3 === 0 ? new Date(base.getTime() - i * 2 * HOUR) : null}, ${i}, ${i % 4})`;
  }
  await deps.sql`insert into profiles (username, niche_id) values ('eat.a', ${food}), ('eat.b', ${food}), ('eat.c', ${food})`;
  await deps.sql`insert into profiles (username, niche_id) values ('lone_1', null), ('lone_2', null)`;
});

async function refusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof UserError)) throw new Error(`expected a UserError, got ${String(err)}`);
  return err;
}

interface Row {
  username: string;
  status: string;
  last_checked_at: Date | null;
  last_detected_at: Date | null;
  total_detected: number;
}

/** The expected order, computed in JS from the table, to compare with each sort's page query. */
async function expectedOrder(status: 'active' | 'deleted' | 'all', sort: string): Promise<string[]> {
  const rows = await deps.sql<Row[]>`select * from profiles where niche_id = ${fit}`;
  const cmpDateDesc = (a: Date | null, b: Date | null) =>
    a === null && b === null ? 0 : a === null ? 1 : b === null ? -1 : b.getTime() - a.getTime();
  const byName = (a: Row, b: Row) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0);
  const cmp: Record<string, (a: Row, b: Row) => number> = {
    username: byName,
    checked: (a, b) => cmpDateDesc(a.last_checked_at, b.last_checked_at) || byName(a, b),
    detected: (a, b) => cmpDateDesc(a.last_detected_at, b.last_detected_at) || byName(a, b),
    count: (a, b) => b.total_detected - a.total_detected || byName(a, b),
  };
  return rows
    .filter((r) => status === 'all' || r.status === status)
    .sort(cmp[sort])
    .map((r) => r.username);
}

describe('listing profiles', () => {
  it.each(['username', 'checked', 'detected', 'count'] as const)(
    'GIVEN sort %s and pages of 7 THEN the pages concatenate to the full order with totals',
    async (sort) => {
      for (const status of ['active', 'deleted', 'all'] as const) {
        const expected = await expectedOrder(status, sort);
        const seen: string[] = [];
        const first = await listProfiles(deps, { scope: 'fitness', status, sort, pageSize: 7 });
        expect(first).toMatchObject({
          scope: 'fitness',
          total: expected.length,
          pages: Math.ceil(expected.length / 7),
        });
        for (let page = 1; page <= first.pages; page++) {
          const p = await listProfiles(deps, { scope: 'FITNESS', status, sort, page, pageSize: 7 });
          seen.push(...p.profiles.map((r) => r.username));
        }
        expect(seen).toEqual(expected);
      }
    },
  );

  it('GIVEN the default page size THEN 50 per page, page 1 of 1 with the stored niche name and row details', async () => {
    const p = await listProfiles(deps, { scope: 'fitness' });
    expect(p).toMatchObject({
      scope: 'fitness',
      status: 'active',
      sort: 'username',
      page: 1,
      pages: 1,
      pageSize: 50,
      total: 25,
    });
    expect(p.profiles[0]).toEqual({
      username: 'f00',
      niche: 'fitness',
      status: 'active',
      lastCheckedAt: base,
      lastDetectedAt: base,
      totalChecks: 0,
      totalDetected: 0,
    });
  });

  it('GIVEN unassigned and all THEN they list profiles without a niche and the whole master list', async () => {
    const un = await listProfiles(deps, { scope: 'Unassigned' });
    expect(un.profiles.map((r) => [r.username, r.niche])).toEqual([
      ['lone_1', null],
      ['lone_2', null],
    ]);
    const all = await listProfiles(deps, { scope: 'all', status: 'all', pageSize: 10, page: 4 });
    expect(all).toMatchObject({ scope: 'all', total: 35, pages: 4 });
    expect(all.profiles.map((r) => r.username)).toEqual(['f27', 'f28', 'f29', 'lone_1', 'lone_2']);
    const allActive = await listProfiles(deps, { scope: 'all', pageSize: 100 });
    expect(allActive.total).toBe(30);
    expect(allActive.profiles.slice(0, 4).map((r) => [r.username, r.niche])).toEqual([
      ['eat.a', 'food'],
      ['eat.b', 'food'],
      ['eat.c', 'food'],
      ['f00', 'fitness'],
    ]);
  });

  it('GIVEN a page past the end, a page below 1, or an unknown niche THEN each gets its own message', async () => {
    expect((await refusal(listProfiles(deps, { scope: 'food', page: 2 }))).message).toBe(
      'Page 2 does not exist: niche "food" (active) has 3 profiles, 1 page of 50.',
    );
    expect((await refusal(listProfiles(deps, { scope: 'food', page: 0 }))).message).toBe(
      'Page must be a whole number from 1; got 0.',
    );
    expect((await refusal(listProfiles(deps, { scope: 'cars' }))).message).toBe(
      'No niche named "cars"; niches are: fitness, food.',
    );
  });

  it('GIVEN an empty niche THEN page 1 of 1 with no rows', async () => {
    await createNiche(deps, 'empty');
    expect(await listProfiles(deps, { scope: 'empty' })).toMatchObject({
      total: 0,
      pages: 1,
      page: 1,
      profiles: [],
    });
  });
});

describe('profile counts kept by triggers', () => {
  async function assertCountsMatch(): Promise<void> {
    const truth = await deps.sql<{ key: number; status: 'active' | 'deleted'; n: number }[]>`
      select coalesce(niche_id, 0) as key, status, count(*)::int as n from profiles group by 1, 2`;
    const keys = [0, fit, food];
    for (const key of keys) {
      for (const status of ['active', 'deleted'] as const) {
        const want = truth.find((t) => t.key === key && t.status === status)?.n ?? 0;
        expect(await countProfiles(deps, key, status)).toBe(want);
      }
      const both = truth.filter((t) => t.key === key).reduce((a, t) => a + t.n, 0);
      expect(await countProfiles(deps, key, 'all')).toBe(both);
    }
    expect(await countProfiles(deps, null, 'all')).toBe(truth.reduce((a, t) => a + t.n, 0));
  }

  it('GIVEN inserts, status changes, moves, deletes, a niche removal and compaction THEN counts equal count(*) throughout', async () => {
    await assertCountsMatch();
    await deps.sql`update profiles set status = 'deleted' where username in ('f00', 'f01')`;
    await assertCountsMatch();
    await deps.sql`update profiles set last_checked_at = now(), total_checks = total_checks + 1`;
    await assertCountsMatch();
    await moveProfiles(deps, 'food', ['f02', 'f03', 'f26']);
    await assertCountsMatch();
    await deleteProfiles(deps, ['f04', 'lone_1']);
    await assertCountsMatch();
    await deps.sql`insert into profiles (username, niche_id) values ('late', ${fit}) on conflict do nothing`;
    await deps.sql`insert into profiles (username, niche_id) values ('late', ${fit}) on conflict do nothing`;
    await assertCountsMatch();
    await removeNiche(deps, 'food');
    await assertCountsMatch();
    await compactProfileCounts(deps);
    const [rows] = await deps.sql<{ n: number }[]>`select count(*)::int as n from profile_count_deltas`;
    expect(rows?.n).toBeLessThanOrEqual(4);
    await assertCountsMatch();
  });

  it('GIVEN a rolled-back insert THEN the count does not change', async () => {
    const before = await countProfiles(deps, fit, 'active');
    await deps.sql
      .begin(async (tx) => {
        await tx`insert into profiles (username, niche_id) values ('ghost', ${fit})`;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await countProfiles(deps, fit, 'active')).toBe(before);
  });
});

describe('bulk delete', () => {
  it('GIVEN names in every accepted form, repeats, unknown and malformed ones THEN found ones are removed with their detections and the rest reported', async () => {
    await deps.sql`insert into detections (username, niche_id) values ('f05', ${fit}), ('eat.a', ${food})`;
    const r = await deleteProfiles(deps, [
      '@F05',
      'https://www.instagram.com/eat.a/?hl=en',
      'f05',
      'nobody_here',
      'bad..name',
      'f06,f07;ghost',
    ]);
    expect(r.requested).toEqual(['f05', 'eat.a', 'nobody_here', 'f06', 'f07', 'ghost']);
    expect(r.deleted).toEqual(['f05', 'eat.a', 'f06', 'f07']);
    expect(r.notFound).toEqual(['nobody_here', 'ghost']);
    expect(r.malformed).toEqual([{ text: 'bad..name', reason: "has '..' (two dots in a row)" }]);
    const left =
      await deps.sql`select username from profiles where username in ('f05', 'eat.a', 'f06', 'f07')`;
    expect(left).toHaveLength(0);
    const [det] = await deps.sql<{ n: number }[]>`select count(*)::int as n from detections`;
    expect(det?.n).toBe(0);
    const [event] =
      await deps.sql`select kind, message from events where kind = 'profile' order by id desc limit 1`;
    expect(event).toEqual({ kind: 'profile', message: 'Deleted 4 profiles: f05, eat.a, f06, f07' });
  });

  it('GIVEN only malformed names THEN it is refused with the reasons and nothing changes', async () => {
    const [before] = await deps.sql<{ n: number }[]>`select count(*)::int as n from profiles`;
    const err = await refusal(deleteProfiles(deps, ['.dot', 'way_too_long_for_an_instagram_name']));
    expect(err.code).toBe('no_usernames');
    expect(err.message).toBe(
      `None of the given names is a valid Instagram username (1-30 of a-z 0-9 . _, also @name or a profile URL): ".dot" (starts with '.'), "way_too_long_for_an_instagram_name" (too long (34 characters, at most 30)).`,
    );
    const [after] = await deps.sql<{ n: number }[]>`select count(*)::int as n from profiles`;
    expect(after?.n).toBe(before?.n);
  });

  it('GIVEN only unknown names THEN nothing is deleted, all reported not found, and no event', async () => {
    const events = async () =>
      (await deps.sql<{ n: number }[]>`select count(*)::int as n from events where kind = 'profile'`)[0]?.n;
    const before = await events();
    const r = await deleteProfiles(deps, ['ghost1', 'ghost2']);
    expect(r).toMatchObject({ deleted: [], notFound: ['ghost1', 'ghost2'] });
    expect(await events()).toBe(before);
  });
});

describe('bulk reassign', () => {
  it('GIVEN names in several niches, already there, and unknown THEN they move, the rest are reported', async () => {
    const r = await moveProfiles(deps, 'FOOD', ['f10', '@EAT.A', 'lone_2', 'f27', 'missing_one', 'x..y']);
    expect(r.niche).toBe('food');
    expect(r.moved).toEqual(['f10', 'lone_2', 'f27']);
    expect(r.alreadyThere).toEqual(['eat.a']);
    expect(r.notFound).toEqual(['missing_one']);
    expect(r.malformed).toEqual([{ text: 'x..y', reason: "has '..' (two dots in a row)" }]);
    const rows =
      await deps.sql`select username, niche_id, status from profiles where username in ('f10', 'lone_2', 'f27') order by username`;
    expect(rows).toEqual([
      { username: 'f10', niche_id: food, status: 'active' },
      { username: 'f27', niche_id: food, status: 'deleted' },
      { username: 'lone_2', niche_id: food, status: 'active' },
    ]);
    const [event] =
      await deps.sql`select message from events where kind = 'profile' order by id desc limit 1`;
    expect(event?.message).toBe('Moved 3 profiles to niche "food": f10, lone_2, f27');
  });

  it('GIVEN unassigned as the target THEN the profiles lose their niche', async () => {
    const r = await moveProfiles(deps, 'unassigned', ['f11', 'f12']);
    expect(r).toMatchObject({ niche: 'unassigned', moved: ['f11', 'f12'] });
    const rows = await deps.sql`select niche_id from profiles where username in ('f11', 'f12')`;
    expect(rows.map((x) => x.niche_id)).toEqual([null, null]);
  });

  it('GIVEN an unknown target niche THEN it is refused listing the niches and nothing moves', async () => {
    const err = await refusal(moveProfiles(deps, 'cars', ['f10']));
    expect(err.message).toBe('No niche named "cars"; niches are: fitness, food.');
    const [p] = await deps.sql`select niche_id from profiles where username = 'f10'`;
    expect(p?.niche_id).toBe(fit);
  });
});

describe('profile counts after truncate', () => {
  it('GIVEN profiles truncated and new ones added THEN the counts start again from zero', async () => {
    await deps.sql`truncate profiles cascade`;
    expect(await countProfiles(deps, null, 'all')).toBe(0);
    await deps.sql`insert into profiles (username, niche_id) values ('after1', ${fit}), ('after2', null)`;
    expect(await countProfiles(deps, fit, 'active')).toBe(1);
    expect(await countProfiles(deps, 0, 'active')).toBe(1);
    expect(await countProfiles(deps, null, 'all')).toBe(2);
  });
});

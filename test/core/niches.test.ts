import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import {
  createNiche,
  findNicheByName,
  listNiches,
  moveNiche,
  removeNiche,
  renameNiche,
} from '../../src/core/niches.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => {
  await deps.close();
});

async function snapshot() {
  const niches = await deps.sql`select id, name, position, daily_target from niches order by id`;
  const [events] = await deps.sql<{ n: number }[]>`select count(*)::int as n from events`;
  return { niches: [...niches], events: events?.n };
}

async function refusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof UserError)) throw new Error(`expected a UserError, got ${String(err)}`);
  return err;
}

async function reset(): Promise<void> {
  await deps.sql`delete from batches`;
  await deps.sql`delete from profiles`;
  await deps.sql`delete from niches`;
}

describe('creating niches', () => {
  it('GIVEN a name with surrounding spaces THEN it is stored trimmed at the next position and an event is written', async () => {
    await reset();
    const a = await createNiche(deps, '  Home Fitness  ');
    const b = await createNiche(deps, 'travel');
    expect(a).toMatchObject({ name: 'Home Fitness', position: 1, dailyTarget: 0 });
    expect(b.position).toBe(2);
    const [event] = await deps.sql`select kind, message from events where data->>'nicheId' = ${String(a.id)}`;
    expect(event).toEqual({ kind: 'niche', message: 'Niche "Home Fitness" created' });
  });

  it.each([
    ['', 'niche_name_empty', 'A niche name cannot be empty (1-50 characters).'],
    ['   ', 'niche_name_empty', 'A niche name cannot be empty (1-50 characters).'],
    [
      'x'.repeat(51),
      'niche_name_too_long',
      `A niche name can have at most 50 characters; "${'x'.repeat(20)}..." has 51.`,
    ],
    [
      'tab\there',
      'niche_name_unprintable',
      'A niche name may only contain printable characters (no line breaks, tabs or control characters).',
    ],
    [
      'two\nlines',
      'niche_name_unprintable',
      'A niche name may only contain printable characters (no line breaks, tabs or control characters).',
    ],
    [
      'Unassigned',
      'niche_name_reserved',
      '"Unassigned" is reserved for profiles without a niche; choose another name.',
    ],
    ['ALL', 'niche_name_reserved', '"ALL" is reserved for the whole master list; choose another name.'],
    [
      'Page',
      'niche_name_reserved',
      '"Page" is reserved for the page option of the profile commands; choose another name.',
    ],
    [
      'sort',
      'niche_name_reserved',
      '"sort" is reserved for the sort option of the profile commands; choose another name.',
    ],
    [
      '12',
      'niche_name_number',
      'A niche name cannot be just a number ("12"): numbers stand for batch ids and hours in the batch and results commands. Use a word with it, such as "Niche 12".',
    ],
    [
      '#7',
      'niche_name_number',
      'A niche name cannot be just a number ("#7"): numbers stand for batch ids and hours in the batch and results commands. Use a word with it, such as "Niche 7".',
    ],
    [
      'TRAVEL',
      'niche_exists',
      'A niche named "travel" already exists (names are compared without case); choose another name.',
    ],
  ])('GIVEN the name %j THEN it is refused with %s and nothing changes', async (name, code, message) => {
    const before = await snapshot();
    const err = await refusal(createNiche(deps, name));
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
    expect(await snapshot()).toEqual(before);
  });

  it('GIVEN names that only look different (decomposed accents, non-breaking spaces) THEN they are one niche', async () => {
    const typed = await createNiche(deps, 'Café\u00a0\u00a0Fitness');
    expect(typed.name).toBe('Café Fitness');
    const decomposed = 'Cafe\u0301 Fitness';
    const err = await refusal(createNiche(deps, decomposed));
    expect(err.code).toBe('niche_exists');
    expect((await findNicheByName(deps, 'cafe\u0301\u2007fitness')).id).toBe(typed.id);
  });

  it('GIVEN niches stored before names were normalised THEN migration 0007 normalises them unless that would collide, and a stored form is still found', async () => {
    await reset();
    const raw = 'Cafe\u0301\u00a0Yoga';
    await deps.sql`insert into niches (name, position) values (${raw}, 1), ('Hot Yoga', 2), (${'Hot\u00a0Yoga'}, 3)`;
    const migration = readFileSync(
      new URL('../../drizzle/0007_niche_name_normalize.sql', import.meta.url),
      'utf8',
    );
    await deps.sql.unsafe(migration);
    const names = (await deps.sql<{ name: string }[]>`select name from niches order by position`).map(
      (r) => r.name,
    );
    expect(names).toEqual(['Café Yoga', 'Hot Yoga', 'Hot\u00a0Yoga']);
    // Found by any spelling; a name sent back exactly as stored (Discord's autocomplete) finds its row.
    expect((await findNicheByName(deps, 'café yoga')).position).toBe(1);
    expect((await findNicheByName(deps, raw)).position).toBe(1);
    await reset();
  });

  it('GIVEN 50 characters, emoji counted as one each THEN the name is accepted', async () => {
    const name = '🏋'.repeat(50);
    const niche = await createNiche(deps, name);
    expect(niche.name).toBe(name);
  });

  it('GIVEN two creates of the same name at once THEN exactly one wins and the other names the existing niche', async () => {
    const results = await Promise.allSettled([createNiche(deps, 'Racing'), createNiche(deps, 'racing')]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.reason).toBeInstanceOf(UserError);
    expect((failed[0]?.reason as UserError | undefined)?.code).toBe('niche_exists');
    const [row] = await deps.sql<
      { n: number }[]
    >`select count(*)::int as n from niches where lower(name) = 'racing'`;
    expect(row?.n).toBe(1);
  });
});

describe('finding and renaming niches', () => {
  it('GIVEN any case THEN find returns the stored niche; an unknown name lists the niches', async () => {
    await reset();
    await createNiche(deps, 'Fitness');
    await createNiche(deps, 'Food');
    expect((await findNicheByName(deps, ' fitNESS ')).name).toBe('Fitness');
    const err = await refusal(findNicheByName(deps, 'cars'));
    expect(err.message).toBe('No niche named "cars"; niches are: Fitness, Food.');
  });

  it('GIVEN no niches THEN the not-found message says how to add one', async () => {
    await reset();
    const err = await refusal(findNicheByName(deps, 'cars'));
    expect(err.message).toBe(
      'No niche named "cars"; there are no niches yet (add one with `niche add NAME`).',
    );
  });

  it('GIVEN a rename THEN the niche keeps its id, profiles and position; a case-only rename is allowed', async () => {
    await reset();
    const fit = await createNiche(deps, 'fitness');
    await createNiche(deps, 'food');
    await deps.sql`insert into profiles (username, niche_id) values ('a1', ${fit.id})`;
    const r = await renameNiche(deps, 'FITNESS', 'Gym');
    expect(r).toMatchObject({ from: 'fitness', niche: { id: fit.id, name: 'Gym', position: 1 } });
    const [p] = await deps.sql`select niche_id from profiles where username = 'a1'`;
    expect(p?.niche_id).toBe(fit.id);
    expect((await renameNiche(deps, 'gym', 'GYM')).niche.name).toBe('GYM');
    const [event] = await deps.sql`select message from events where kind = 'niche' order by id desc limit 1`;
    expect(event?.message).toBe('Niche "Gym" renamed to "GYM"');
  });

  it.each([
    [
      'GYM',
      'Food',
      'niche_exists',
      'A niche named "food" already exists (names are compared without case); choose another name.',
    ],
    ['GYM', 'GYM', 'niche_same_name', 'The niche is already called "GYM"; nothing changed.'],
    [
      'GYM',
      'unassigned',
      'niche_name_reserved',
      '"unassigned" is reserved for profiles without a niche; choose another name.',
    ],
    ['GYM', '', 'niche_name_empty', 'A niche name cannot be empty (1-50 characters).'],
    ['nope', 'x', 'niche_not_found', 'No niche named "nope"; niches are: GYM, food.'],
  ])('GIVEN rename %j to %j THEN %s and nothing changes', async (from, to, code, message) => {
    const before = await snapshot();
    const err = await refusal(renameNiche(deps, from, to));
    expect([err.code, err.message]).toEqual([code, message]);
    expect(await snapshot()).toEqual(before);
  });
});

describe('removing niches', () => {
  it('GIVEN a niche with profiles, batches and detections THEN profiles become unassigned and history keeps the name', async () => {
    await reset();
    const a = await createNiche(deps, 'alpha');
    const b = await createNiche(deps, 'beta');
    const c = await createNiche(deps, 'gamma');
    await deps.sql`
      insert into profiles (username, niche_id, status) values
        ('b1', ${b.id}, 'active'), ('b2', ${b.id}, 'active'), ('b3', ${b.id}, 'deleted'), ('a1', ${a.id}, 'active')`;
    const [batch] = await deps.sql<{ id: string }[]>`
      insert into batches (niche_id, niche_name, trigger, requested, status)
      values (${b.id}, 'beta', 'manual', 2, 'completed') returning id`;
    await deps.sql`insert into detections (username, niche_id, batch_id) values ('b1', ${b.id}, ${batch?.id ?? null})`;

    const removed = await removeNiche(deps, 'BETA');
    expect(removed).toMatchObject({ niche: { id: b.id, name: 'beta' }, unassigned: 3 });
    const profiles = await deps.sql`select username, niche_id from profiles order by username`;
    expect(profiles).toEqual([
      { username: 'a1', niche_id: a.id },
      { username: 'b1', niche_id: null },
      { username: 'b2', niche_id: null },
      { username: 'b3', niche_id: null },
    ]);
    const [kept] = await deps.sql`select niche_id, niche_name from batches where id = ${batch?.id ?? 0}`;
    expect(kept).toEqual({ niche_id: null, niche_name: 'beta' });
    const [det] = await deps.sql`select niche_id from detections`;
    expect(det?.niche_id).toBeNull();
    const positions = await deps.sql`select name, position from niches order by position`;
    expect(positions).toEqual([
      { name: 'alpha', position: 1 },
      { name: 'gamma', position: 2 },
    ]);
    expect(c.id).toBeGreaterThan(0);
    const list = await listNiches(deps);
    expect(list.unassigned).toEqual({ active: 2, deleted: 1 });
    const [event] =
      await deps.sql`select message, data from events where kind = 'niche' order by id desc limit 1`;
    expect(event?.message).toBe('Niche "beta" removed; 3 profiles became unassigned');
  });

  it.each(['pending', 'in_progress'])(
    'GIVEN a niche with a %s batch THEN removal is refused naming the batch and nothing changes',
    async (status) => {
      await reset();
      const n = await createNiche(deps, 'busy');
      await deps.sql`insert into profiles (username, niche_id) values ('x1', ${n.id})`;
      const [batch] = await deps.sql<{ id: string }[]>`
        insert into batches (niche_id, niche_name, trigger, requested, status)
        values (${n.id}, 'busy', 'manual', 1, ${status}::batch_status) returning id`;
      const before = await snapshot();
      const err = await refusal(removeNiche(deps, 'busy'));
      expect(err.code).toBe('niche_has_active_batch');
      expect(err.message).toBe(
        `Niche "busy" has batch #${batch?.id} ${status === 'pending' ? 'waiting to start' : 'running'}; cancel it first (batch cancel busy), then remove the niche.`,
      );
      expect(await snapshot()).toEqual(before);
      const [p] = await deps.sql`select niche_id from profiles where username = 'x1'`;
      expect(p?.niche_id).toBe(n.id);
    },
  );
});

describe('moving niches', () => {
  it('GIVEN moves to the front, the back and the middle THEN positions stay 1..n in the requested order', async () => {
    await reset();
    for (const name of ['a', 'b', 'c', 'd']) await createNiche(deps, name);
    const order = async () =>
      (
        await deps.sql<
          { name: string; position: number }[]
        >`select name, position from niches order by position`
      ).map((r) => `${r.position}:${r.name}`);
    await moveNiche(deps, 'd', 1);
    expect(await order()).toEqual(['1:d', '2:a', '3:b', '4:c']);
    await moveNiche(deps, 'D', 4);
    expect(await order()).toEqual(['1:a', '2:b', '3:c', '4:d']);
    const result = await moveNiche(deps, 'a', 3);
    expect(result.map((n) => n.name)).toEqual(['b', 'c', 'a', 'd']);
    expect(await order()).toEqual(['1:b', '2:c', '3:a', '4:d']);
    await removeNiche(deps, 'c');
    expect(await order()).toEqual(['1:b', '2:a', '3:d']);
    const [event] =
      await deps.sql`select message from events where message like '% moved to %' order by id desc limit 1`;
    expect(event?.message).toBe('Niche "a" moved to position 3');
  });

  it.each([0, 4, -1])(
    'GIVEN position %i with 3 niches THEN it is refused naming 1 to 3 and nothing changes',
    async (pos) => {
      const before = await snapshot();
      const err = await refusal(moveNiche(deps, 'a', pos));
      expect(err.message).toBe(
        `Position must be a whole number from 1 to 3 (there are 3 niches); got ${pos}.`,
      );
      expect(await snapshot()).toEqual(before);
    },
  );
});

describe('listing niches', () => {
  it('GIVEN profiles in several niches and statuses THEN the list counts active and deleted per niche in display order', async () => {
    await reset();
    const x = await createNiche(deps, 'x');
    const y = await createNiche(deps, 'y');
    await deps.sql`update niches set daily_target = 40 where id = ${y.id}`;
    await deps.sql`
      insert into profiles (username, niche_id, status)
      select 'x' || g, ${x.id}, (case when g <= 2 then 'deleted' else 'active' end)::profile_status from generate_series(1, 7) g`;
    await deps.sql`insert into profiles (username, niche_id) values ('u1', null)`;
    await moveNiche(deps, 'y', 1);
    const list = await listNiches(deps);
    expect(list.niches.map((n) => [n.name, n.position, n.active, n.deleted, n.dailyTarget])).toEqual([
      ['y', 1, 0, 0, 40],
      ['x', 2, 5, 2, 0],
    ]);
    expect(list.unassigned).toEqual({ active: 1, deleted: 0 });
  });
});

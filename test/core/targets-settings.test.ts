import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { createNiche } from '../../src/core/niches.js';
import { getSettings, setProfilesPerMinute, setThreads } from '../../src/core/settings.js';
import { listTargets, setTarget } from '../../src/core/targets.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
  await createNiche(deps, 'fitness');
  await createNiche(deps, 'food');
});
afterAll(async () => {
  await deps.close();
});

async function state() {
  const niches = await deps.sql`select name, daily_target from niches order by id`;
  const settings = await deps.sql`select * from settings`;
  const [events] = await deps.sql<{ n: number }[]>`select count(*)::int as n from events`;
  return { niches: [...niches], settings: [...settings], events: events?.n };
}

async function refusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof UserError)) throw new Error(`expected a UserError, got ${String(err)}`);
  return err;
}

describe('daily targets', () => {
  it.each([0, 1, 800])(
    'GIVEN %i THEN it is stored, listed, and an event names old and new',
    async (count) => {
      const before = (await listTargets(deps)).find((t) => t.niche === 'fitness')?.dailyTarget;
      const t = await setTarget(deps, 'FITNESS', count);
      expect(t).toMatchObject({ niche: 'fitness', dailyTarget: count, previous: before });
      expect(await listTargets(deps)).toEqual([
        expect.objectContaining({ niche: 'fitness', dailyTarget: count }),
        expect.objectContaining({ niche: 'food', dailyTarget: 0 }),
      ]);
      const [e] = await deps.sql`select kind, message from events order by id desc limit 1`;
      expect(e).toEqual({
        kind: 'target',
        message: `Daily target of "fitness" set to ${count} (was ${before})`,
      });
    },
  );

  it.each([-1, 801, 1.5, Number.NaN])(
    'GIVEN %s THEN it is refused naming 0 to 800 and nothing changes',
    async (count) => {
      const before = await state();
      const err = await refusal(setTarget(deps, 'fitness', count));
      expect(err.code).toBe('target_out_of_range');
      expect(err.message).toBe(
        `A daily target must be a whole number from 0 to 800 stories (0 turns auto batches off); got ${count}.`,
      );
      expect(await state()).toEqual(before);
    },
  );

  it('GIVEN an unknown niche THEN the refusal lists the niches and nothing changes', async () => {
    const before = await state();
    const err = await refusal(setTarget(deps, 'cars', 10));
    expect(err.message).toBe('No niche named "cars"; niches are: fitness, food.');
    expect(await state()).toEqual(before);
  });
});

describe('settings', () => {
  it('GIVEN nothing set yet THEN the defaults are 60 per minute and 3 threads', async () => {
    expect(await getSettings(deps)).toMatchObject({
      profilesPerMinute: 60,
      threads: 3,
      selectionPolicy: 'yield',
    });
  });

  it.each([1, 600, 120])('GIVEN rate %i THEN it is stored and the event names old and new', async (n) => {
    const before = (await getSettings(deps)).profilesPerMinute;
    const r = await setProfilesPerMinute(deps, n);
    expect(r.previous).toBe(before);
    expect(await getSettings(deps)).toMatchObject({ profilesPerMinute: n });
    const [e] = await deps.sql`select kind, message from events order by id desc limit 1`;
    expect(e).toEqual({ kind: 'settings', message: `Profiles per minute set to ${n} (was ${before})` });
  });

  it.each([1, 20, 5])('GIVEN threads %i THEN it is stored without touching the rate', async (n) => {
    const rate = (await getSettings(deps)).profilesPerMinute;
    await setThreads(deps, n);
    expect(await getSettings(deps)).toMatchObject({ threads: n, profilesPerMinute: rate });
  });

  it.each([
    ['rate', 0, 'rate_out_of_range', 'Profiles per minute must be a whole number from 1 to 600; got 0.'],
    ['rate', 601, 'rate_out_of_range', 'Profiles per minute must be a whole number from 1 to 600; got 601.'],
    ['rate', 2.5, 'rate_out_of_range', 'Profiles per minute must be a whole number from 1 to 600; got 2.5.'],
    ['threads', 0, 'threads_out_of_range', 'Threads must be a whole number from 1 to 20; got 0.'],
    ['threads', 21, 'threads_out_of_range', 'Threads must be a whole number from 1 to 20; got 21.'],
  ] as const)(
    'GIVEN %s %s THEN %s naming the limits and nothing changes',
    async (which, n, code, message) => {
      const before = await state();
      const err = await refusal(which === 'rate' ? setProfilesPerMinute(deps, n) : setThreads(deps, n));
      expect([err.code, err.message]).toEqual([code, message]);
      expect(await state()).toEqual(before);
    },
  );
});

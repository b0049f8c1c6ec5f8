import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../core/command-helpers.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
  await run(deps, 'niche add fitness');
  await run(deps, 'niche add "Road Trips"');
});
afterAll(async () => {
  await deps.close();
});

async function stored() {
  const niches = await deps.sql`select name, daily_target from niches order by id`;
  const settings = await deps.sql`select profiles_per_minute, threads from settings`;
  return { niches: [...niches], settings: [...settings] };
}

describe('target commands', () => {
  it('GIVEN target set with a quoted name THEN it is stored and target list shows it', async () => {
    const { text, reply } = await run(deps, 'target set "road trips" 120');
    expect(text).toBe(
      'Daily target of "Road Trips" set to 120 stories (was 0); it applies to batches triggered from now on. A batch already running keeps its size.',
    );
    expect(reply.data).toMatchObject({ niche: 'Road Trips', dailyTarget: 120, previous: 0 });
    const list = await run(deps, 'target list');
    expect(list.text).toMatch(/fitness\s+0 \(off\)/);
    expect(list.text).toMatch(/Road Trips\s+120/);
    expect(list.reply.data).toMatchObject({
      targets: [
        { nicheId: expect.any(Number), niche: 'fitness', dailyTarget: 0, today: 0 },
        { nicheId: expect.any(Number), niche: 'Road Trips', dailyTarget: 120, today: 0 },
      ],
    });
  });

  it('GIVEN target 0 THEN the reply says auto batches are off', async () => {
    const { text } = await run(deps, 'target set fitness 0');
    expect(text).toBe(
      'Daily target of "fitness" set to 0: no automatic batches for it from now on. A batch already running keeps its size.',
    );
  });

  it.each([
    ['target set fitness 801', 'Error: Count must be from 0 to 800; got 801.'],
    ['target set fitness -5', 'Error: Count must be from 0 to 800; got -5.'],
    ['target set fitness lots', 'Error: Count must be a whole number from 0 to 800; got "lots".'],
    ['target set fitness 2.5', 'Error: Count must be a whole number from 0 to 800; got "2.5".'],
    ['target set cars 10', 'Error: No niche named "cars"; niches are: fitness, Road Trips.'],
    ['target set fitness', 'Error: Give the count, a whole number from 0 to 800.'],
  ])('GIVEN %j THEN %j and nothing changes', async (line, expected) => {
    const before = await stored();
    const { text } = await run(deps, line);
    expect(text.startsWith(expected)).toBe(true);
    expect(await stored()).toEqual(before);
  });
});

describe('settings commands', () => {
  it('GIVEN settings show before any change THEN defaults and accepted ranges are shown', async () => {
    const { text, reply } = await run(deps, 'settings show');
    expect(text).toMatch(/profiles per minute\s+60\s+1-600/);
    expect(text).toMatch(/threads\s+3\s+1-20/);
    expect(reply.data).toMatchObject({ settings: { profilesPerMinute: 60, threads: 3 } });
  });

  it('GIVEN settings rate and threads within range THEN both are stored', async () => {
    expect((await run(deps, 'settings rate 600')).text).toBe(
      'Profiles per minute set to 600 (was 60); running batches pick it up within a minute.',
    );
    expect((await run(deps, 'settings threads 20')).text).toBe(
      'Threads set to 20 (was 3); running batches pick it up within a minute.',
    );
    expect(await stored()).toMatchObject({ settings: [{ profiles_per_minute: 600, threads: 20 }] });
  });

  it.each([
    ['settings rate 0', 'Error: Profiles per minute must be from 1 to 600; got 0.'],
    ['settings rate 601', 'Error: Profiles per minute must be from 1 to 600; got 601.'],
    ['settings rate fast', 'Error: Profiles per minute must be a whole number from 1 to 600; got "fast".'],
    ['settings threads 21', 'Error: Threads must be from 1 to 20; got 21.'],
    ['settings threads 0', 'Error: Threads must be from 1 to 20; got 0.'],
  ])('GIVEN %j THEN %j and nothing changes', async (line, expected) => {
    const before = await stored();
    const { text } = await run(deps, line);
    expect(text.startsWith(expected)).toBe(true);
    expect(await stored()).toEqual(before);
  });
});

describe('stats command', () => {
  it('GIVEN a few checks, a story and an error THEN stats shows the summary of today, the niche table and the error', async () => {
    const [niche] = await deps.sql<{ id: number }[]>`select id from niches where name = 'fitness'`;
    await deps.sql`insert into profiles (username, niche_id) values ('s1', ${niche?.id ?? 0}), ('s2', ${niche?.id ?? 0})`;
    const [batch] = await deps.sql<{ id: string }[]>`
      insert into batches (niche_id, niche_name, trigger, requested, status, checked, stories)
      values (${niche?.id ?? 0}, 'fitness', 'manual', 2, 'completed', 2, 1) returning id`;
    await deps.sql`
      insert into batch_items (batch_id, username, outcome, checked_at) values
        (${batch?.id ?? 0}, 's1', 'story', now()), (${batch?.id ?? 0}, 's2', 'no_story', now())`;
    await deps.sql`insert into detections (username, niche_id, batch_id) values ('s1', ${niche?.id ?? 0}, ${batch?.id ?? 0})`;
    await deps.sql`insert into events (kind, level, message) values ('batch', 'error', 'Batch #9 failed: proxy refused')`;
    const { text, reply } = await run(deps, 'stats');
    expect(text).toContain(
      'Today (UTC): 2 checks, 1 stories, hit rate 50.0 %. Master list: 2 active, 0 deleted, 0 unassigned.',
    );
    expect(text).toMatch(/fitness\s+2\s+1\s+50.0 %/);
    expect(text).toContain(
      'Proxies: none, so batches cannot run. There is no usable proxy (none added, or all disabled or dead). Add one with `/proxy add ip:port:user:pass`, then check it with `/proxy test`.',
    );
    expect(text).toMatch(/Errors \(24 h\): 1: 0 checks failed, 1 service errors\./);
    expect(text).toContain('[batch] Batch #9 failed: proxy refused');
    expect(reply.data).toMatchObject({ totals: { checks: 2, stories: 1 } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../core/command-helpers.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => {
  await deps.close();
});

async function nicheNames(): Promise<string[]> {
  const rows = await deps.sql<{ name: string }[]>`select name from niches order by position, id`;
  return rows.map((r) => r.name);
}

describe('niche commands', () => {
  it('GIVEN niche add with a quoted name THEN the niche exists and list shows it with counts and target', async () => {
    const added = await run(deps, 'niche add "Home Fitness"');
    expect(added.text).toContain('Niche "Home Fitness" created at position 1');
    await run(deps, 'niche add travel');
    await deps.sql`insert into profiles (username, niche_id) select 'p' || g, (select id from niches where name = 'travel') from generate_series(1, 3) g`;
    await deps.sql`update profiles set status = 'deleted' where username = 'p3'`;
    const list = await run(deps, 'niche list');
    expect(list.text).toMatch(/1\s+Home Fitness\s+0\s+0\s+off/);
    expect(list.text).toMatch(/2\s+travel\s+2\s+1\s+off/);
    expect(list.reply.data).toMatchObject({
      niches: [{ name: 'Home Fitness' }, { name: 'travel', active: 2, deleted: 1 }],
    });
  });

  it('GIVEN a name differing only in case THEN add is refused naming the existing niche and nothing changes', async () => {
    const before = await nicheNames();
    const res = await run(deps, 'niche add TRAVEL');
    expect(res.text).toBe(
      'Error: A niche named "travel" already exists (names are compared without case); choose another name.',
    );
    expect(await nicheNames()).toEqual(before);
  });

  it('GIVEN niche rename to an unknown source THEN the error lists the niches', async () => {
    const res = await run(deps, 'niche rename nope other');
    expect(res.text).toBe('Error: No niche named "nope"; niches are: Home Fitness, travel.');
  });

  it('GIVEN niche move with a position out of range THEN it is refused naming the range', async () => {
    const res = await run(deps, 'niche move travel 5');
    expect(res.text).toContain('Position must be a whole number from 1 to 2');
    const ok = await run(deps, 'niche move travel 1');
    expect(ok.text).toContain('Order: travel, Home Fitness.');
    expect(await nicheNames()).toEqual(['travel', 'Home Fitness']);
  });

  it('GIVEN niche remove THEN the reply says how many profiles became unassigned', async () => {
    const res = await run(deps, 'niche remove TRAVEL');
    expect(res.text).toContain('Niche "travel" removed. 3 profiles became unassigned');
    const [row] = await deps.sql<
      { n: number }[]
    >`select count(*)::int as n from profiles where niche_id is null`;
    expect(row?.n).toBe(3);
  });
});

describe('niche commands, refusals and data', () => {
  it('GIVEN a niche with a running batch THEN niche remove is refused naming the batch and the niche stays', async () => {
    await run(deps, 'niche add busy');
    const [batch] = await deps.sql<{ id: string }[]>`
      insert into batches (niche_id, niche_name, trigger, requested, status)
      values ((select id from niches where name = 'busy'), 'busy', 'manual', 1, 'in_progress') returning id`;
    const { text, reply } = await run(deps, 'niche remove busy');
    expect(text).toBe(
      `Error: Niche "busy" has batch #${batch?.id} running; cancel it first (batch cancel busy), then remove the niche.`,
    );
    expect(reply.data).toMatchObject({ code: 'niche_has_active_batch', batchId: Number(batch?.id) });
    expect(await nicheNames()).toContain('busy');
  });

  it.each([
    ['niche add', 'Error: Give the niche name.\nUsage: /niche add NAME'],
    [
      'niche add unassigned',
      'Error: "unassigned" is reserved for profiles without a niche; choose another name.',
    ],
    [
      `niche add ${'n'.repeat(51)}`,
      `Error: A niche name can have at most 50 characters; "${'n'.repeat(20)}..." has 51.`,
    ],
    ['niche rename "Home Fitness"', 'Error: Give the new name.\nUsage: /niche rename NAME NEWNAME'],
    ['niche move busy first', 'Error: Position must be a whole number; got "first".'],
    ['niche remove nope', 'Error: No niche named "nope"; niches are: Home Fitness, busy.'],
  ])('GIVEN %j THEN %j and nothing changes', async (line, expected) => {
    const before = await nicheNames();
    expect((await run(deps, line)).text.startsWith(expected)).toBe(true);
    expect(await nicheNames()).toEqual(before);
  });

  it('GIVEN each niche command that succeeds THEN its reply carries data for --json', async () => {
    for (const line of [
      'niche add spare',
      'niche rename spare extra',
      'niche move extra 1',
      'niche list',
      'niche remove extra',
    ]) {
      const { reply } = await run(deps, line);
      expect(reply.blocks[0]).toMatchObject({ type: 'text' });
      expect(reply.data, line).toBeDefined();
    }
  });
});

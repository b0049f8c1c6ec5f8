import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/reply/reply.js';
import { run } from '../core/command-helpers.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
  await run(deps, 'niche add fitness');
  await run(deps, 'niche add "Road Trips"');
  // 120 profiles in fitness (u000..u119), the last 10 deleted; 3 in Road Trips; 2 unassigned.
  await deps.sql`
    insert into profiles (username, niche_id, status, total_checks, total_detected, last_checked_at)
    select 'u' || lpad(g::text, 3, '0'), (select id from niches where name = 'fitness'),
      (case when g >= 110 then 'deleted' else 'active' end)::profile_status, g, g % 7,
      case when g % 2 = 0 then now() - g * interval '1 minute' end
    from generate_series(0, 119) g`;
  await deps.sql`
    insert into profiles (username, niche_id) values
      ('road.a', (select id from niches where name = 'Road Trips')),
      ('road.b', (select id from niches where name = 'Road Trips')),
      ('road.c', (select id from niches where name = 'Road Trips')),
      ('loose_one', null), ('loose_two', null)`;
});
afterAll(async () => {
  await deps.close();
});

function usernames(reply: Reply): readonly string[] {
  const block = reply.blocks.find((b) => b.type === 'usernames');
  return block?.type === 'usernames' ? block.usernames : [];
}

describe('profiles list', () => {
  it('GIVEN 110 active profiles THEN page 2 shows 51-100 of 110, page 2 of 3, with Previous/Next buttons', async () => {
    const { reply, text } = await run(deps, 'profiles list fitness page 2');
    expect(text).toContain(
      'Profiles of niche "fitness" (active), by username: page 2 of 3 (51-100 of 110 profiles).',
    );
    expect(usernames(reply)).toHaveLength(50);
    expect(usernames(reply)[0]).toBe('u050');
    expect(reply.buttons).toEqual([
      {
        label: 'Previous',
        command: 'profiles list',
        args: { name: 'fitness', status: 'active', sort: 'username', page: 1 },
      },
      {
        label: 'Next',
        command: 'profiles list',
        args: { name: 'fitness', status: 'active', sort: 'username', page: 3 },
      },
    ]);
    expect(reply.data).toMatchObject({ page: 2, pages: 3, total: 110, pageSize: 50 });
  });
});

describe('profiles list, more', () => {
  it('GIVEN the last page THEN only Previous is offered, and the table shows status, last checked and detections', async () => {
    const { reply, text } = await run(deps, 'profiles list fitness page 3');
    expect(text).toContain('page 3 of 3 (101-110 of 110 profiles)');
    expect(reply.buttons?.map((b) => b.label)).toEqual(['Previous']);
    expect(text).toMatch(/username\s+status\s+last checked\s+last detected\s+detections/);
    expect(text).toMatch(/u100\s+active\s+1 h ago\s+never\s+2\/100/);
  });

  it('GIVEN a Next button THEN invoking it with its args gives the following page', async () => {
    const first = await run(deps, 'profiles list fitness all sort count');
    expect(first.text).toContain(
      'Profiles of niche "fitness", by count: page 1 of 3 (1-50 of 120 profiles).',
    );
    const next = first.reply.buttons?.find((b) => b.label === 'Next');
    expect(next).toEqual({
      label: 'Next',
      command: 'profiles list',
      args: { name: 'fitness', status: 'all', sort: 'count', page: 2 },
    });
    const { dispatch } = await import('../../src/bot/commands/dispatch.js');
    const { findCommand } = await import('../../src/bot/commands/registry.js');
    const found = findCommand(next?.command.split(' ') ?? []);
    if (!found || !next) throw new Error('button command not found');
    const page2 = await dispatch(
      { command: found.command, values: next.args },
      {
        core: deps,
        actor: { platform: 'console', userId: 't', chatId: 'console', commandPrefix: '/' },
        services: {},
      },
    );
    expect(page2.data).toMatchObject({ page: 2, pages: 3, sort: 'count', status: 'all', total: 120 });
    const expected = await deps.sql<{ username: string }[]>`
      select username from profiles where niche_id = (select id from niches where name = 'fitness')
      order by total_detected desc, username offset 50 limit 50`;
    expect(usernames(page2)).toEqual(expected.map((r) => r.username));
  });

  it('GIVEN deleted, unassigned and --flags THEN they are understood', async () => {
    const deleted = await run(deps, 'profiles list fitness deleted');
    expect(deleted.reply.data).toMatchObject({ total: 10, status: 'deleted' });
    const un = await run(deps, 'profiles list unassigned --sort checked');
    expect(usernames(un.reply)).toEqual(['loose_one', 'loose_two']);
    expect(un.text).toContain(
      'Profiles of unassigned (active), by checked: page 1 of 1 (1-2 of 2 profiles).',
    );
    const all = await run(deps, 'profiles list all all --page 1');
    expect(all.reply.data).toMatchObject({ total: 125, pages: 3 });
    expect(all.text).toMatch(/username\s+niche\s+status/);
  });

  it.each([
    [
      'profiles list fitness page 9',
      'Error: Page 9 does not exist: niche "fitness" (active) has 110 profiles, 3 pages of 50.',
    ],
    ['profiles list fitness page two', 'Error: Page must be a whole number from 1 to 1000000; got "two".'],
    ['profiles list fitness page 0', 'Error: Page must be from 1 to 1000000; got 0.'],
    ['profiles list fitness sort newest', 'Error: Sort must be one of username, checked, detected, count.'],
    ['profiles list fitness bogus', 'Error: Unexpected word "bogus".'],
    ['profiles list cars', 'Error: No niche named "cars"; niches are: fitness, Road Trips.'],
    ['profiles list', 'Error: Give a niche name or unassigned.'],
  ])('GIVEN %j THEN the reply is %j', async (line, expected) => {
    const { text } = await run(deps, line);
    expect(text.startsWith(expected)).toBe(true);
  });

  it('GIVEN a niche without profiles THEN it says so', async () => {
    await run(deps, 'niche add empty');
    const { text } = await run(deps, 'profiles list empty');
    expect(text).toBe('No profiles in niche "empty" (active).');
  });
});

describe('profiles move and delete', () => {
  it('GIVEN profiles move with found, present, unknown and malformed names THEN each group is reported', async () => {
    const { text, reply } = await run(deps, 'profiles move "road trips" u001 @U002 road.a ghost.x bad..one');
    expect(text).toBe(
      [
        'Moved 2 of 4 profiles to niche "Road Trips".',
        'Already in niche "Road Trips" (1): road.a',
        'Not found (1): ghost.x',
        'Not usernames, ignored (1):\n"bad..one": has \'..\' (two dots in a row)',
      ].join('\n\n'),
    );
    expect(reply.data).toMatchObject({ moved: ['u001', 'u002'], notFound: ['ghost.x'] });
    const rows =
      await deps.sql`select n.name from profiles p join niches n on n.id = p.niche_id where username in ('u001', 'u002')`;
    expect(rows.map((r) => r.name)).toEqual(['Road Trips', 'Road Trips']);
  });

  it('GIVEN profiles delete THEN found ones are removed and the unknown named', async () => {
    const { text } = await run(deps, 'profiles delete u003 https://instagram.com/u004 nobody');
    expect(text).toBe('Deleted 2 of 3 profiles (their detections went with them).\n\nNot found (1): nobody');
    const rows = await deps.sql`select username from profiles where username in ('u003', 'u004')`;
    expect(rows).toHaveLength(0);
  });

  it('GIVEN no names or only malformed names THEN nothing changes and the reply says what is accepted', async () => {
    expect((await run(deps, 'profiles delete')).text).toContain(
      'Give at least one username (name, @name or a profile URL).',
    );
    expect((await run(deps, 'profiles delete ..x')).text).toBe(
      `Error: None of the given names is a valid Instagram username (1-30 of a-z 0-9 . _, also @name or a profile URL): "..x" (starts with '.').`,
    );
  });
});

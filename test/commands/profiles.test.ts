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
    expect(text).toContain('Profiles of niche "fitness" (active), by username: page 2 of 3 (51-100 of 110 profiles).');
    expect(usernames(reply)).toHaveLength(50);
    expect(usernames(reply)[0]).toBe('u050');
    expect(reply.buttons).toEqual([
      { label: 'Previous', command: 'profiles list', args: { name: 'fitness', status: 'active', sort: 'username', page: 1 } },
      { label: 'Next', command: 'profiles list', args: { name: 'fitness', status: 'active', sort: 'username', page: 3 } },
    ]);
    expect(reply.data).toMatchObject({ page: 2, pages: 3, total: 110, pageSize: 50 });
  });
});

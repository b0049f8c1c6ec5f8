import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/reply/reply.js';
import { run } from '../core/command-helpers.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
  await run(deps, 'niche add fitness');
  await run(deps, 'niche add travel');
  await deps.sql`
    insert into profiles (username, niche_id)
    select 'fit_' || g, (select id from niches where name = 'fitness') from generate_series(1, 3) g`;
  await deps.sql`insert into profiles (username, niche_id) values ('trav_1', (select id from niches where name = 'travel'))`;
  // fit_1 seen 1 h ago, fit_2 10 h ago, fit_3 20 h ago; trav_1 2 h ago.
  await deps.sql`
    insert into detections (username, niche_id, detected_at)
    select username, niche_id, now() - (case username when 'fit_1' then 1 when 'fit_2' then 10 when 'fit_3' then 20 else 2 end)
      * interval '1 hour'
    from profiles`;
});
afterAll(async () => {
  await deps.close();
});

function onlyFile(r: Reply) {
  expect(r.blocks).toHaveLength(1);
  const b = r.blocks[0];
  if (b?.type !== 'file') throw new Error(`expected one file block, got ${JSON.stringify(r.blocks)}`);
  return b;
}

describe('results --file', () => {
  it('GIVEN --file THEN the result list is one plain .txt file, one username a line, newest first', async () => {
    const file = onlyFile((await run(deps, 'results fitness --file')).reply);
    expect(file.fileName).toBe('stories-fitness-24h.txt');
    expect(file.content).toBe('fit_1\nfit_2\nfit_3\n');
    expect(file.caption).toBe('Stories in the last 24 h, fitness, newest first (3)');
  });

  it('GIVEN hours and --file anywhere, or no niche THEN the same window as without it', async () => {
    expect(onlyFile((await run(deps, 'results --file fitness 12')).reply).content).toBe('fit_1\nfit_2\n');
    const all = onlyFile((await run(deps, 'results --file')).reply);
    expect(all.fileName).toBe('stories-all-24h.txt');
    expect(all.content.trimEnd().split('\n').sort()).toEqual(['fit_1', 'fit_2', 'fit_3', 'trav_1']);
    // Telegram's spelling of the same option.
    expect(onlyFile((await run(deps, 'results travel as file')).reply).content).toBe('trav_1\n');
    // Without --file: the list and the table, as before.
    const plain = await run(deps, 'results fitness');
    expect(plain.reply.blocks.map((b) => b.type)).toEqual(['usernames', 'table']);
  });
});

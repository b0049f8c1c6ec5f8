import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatch } from '../../src/core/batches/index.js';
import { run } from '../core/command-helpers.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
  await run(deps, 'niche add fitness');
  await deps.sql`insert into profiles (username, niche_id) select 'p' || g, (select id from niches) from generate_series(1, 5) g`;
});
afterAll(async () => {
  await deps.close();
});

describe('selection policy setting', () => {
  it('GIVEN a fresh install THEN batches use the yield policy, the one bench/selection.ts found better', async () => {
    const shown = await run(deps, 'settings show');
    expect(shown.text).toMatch(/selection policy\s+yield/);
    const batch = await createBatch(deps, {
      niche: 'fitness',
      count: 2,
      trigger: 'manual',
      allowDirect: true,
    });
    expect(batch.policy).toBe('yield');
    await deps.sql`update batches set status = 'cancelled'`;
  });

  it('GIVEN settings policy oldest THEN new batches use it and the reply names the old value', async () => {
    const { text } = await run(deps, 'settings policy OLDEST');
    expect(text).toBe(
      'Selection policy set to oldest (was yield); it applies to batches created from now on.',
    );
    const batch = await createBatch(deps, {
      niche: 'fitness',
      count: 2,
      trigger: 'manual',
      allowDirect: true,
    });
    expect(batch.policy).toBe('oldest');
  });

  it('GIVEN an unknown policy THEN it is refused naming the accepted ones and nothing changes', async () => {
    const { text } = await run(deps, 'settings policy random');
    expect(text).toContain('Selection policy must be one of oldest, yield; got "random".');
    const [row] = await deps.sql`select selection_policy from settings`;
    expect(row!.selection_policy).toBe('oldest');
  });
});

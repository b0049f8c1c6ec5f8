import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedNiche, seedProxy } from '../helpers/batch-fixtures.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';
import { run } from './command-helpers.js';

describe('batch commands', () => {
  let d: TestDeps;
  const queued: number[] = [];
  const services = { enqueueBatch: async (id: number) => void queued.push(id) };
  beforeAll(async () => {
    d = await createTestDeps();
    await seedProxy(d.sql);
    await seedNiche(d.sql, 'Fitness', 40, { prefix: 'fit_' });
  });
  afterAll(async () => {
    await d.close();
  });

  it('GIVEN batch run THEN a pending batch is queued and the reply carries its progress key', async () => {
    const { reply, text } = await run(d, 'batch run fitness 25', services);
    const id = (reply.data as { batchId: number }).batchId;
    expect(queued).toEqual([id]);
    expect(reply.progressKey).toBe(`batch:${id}:progress`);
    expect(text).toMatch(new RegExp(`Batch #${id} for Fitness: 25 profiles`));
    const [b] = await d.sql`select origin, trigger from batches where id = ${id}`;
    expect(b).toMatchObject({ trigger: 'manual', origin: { platform: 'console', chatId: 'console' } });
  });

  it('GIVEN a second run, a bad count, or an unknown niche THEN each says what was wrong', async () => {
    expect((await run(d, 'batch run fitness 5', services)).text).toMatch(
      /already running for Fitness \(#\d+, pending\)/,
    );
    expect((await run(d, 'batch run nosuch 5', services)).text).toMatch(
      /No niche named "nosuch"; niches are: /,
    );
    expect((await run(d, 'batch run fitness abc', services)).text).toMatch(/Count must be a whole number/);
  });

  it('GIVEN status, cancel and history THEN they show the batch and its end', async () => {
    expect((await run(d, 'batch status')).text).toMatch(/#\d+ Fitness \(manual\): pending, 0\/25 checked/);
    expect((await run(d, 'batch cancel fitness')).text).toMatch(/cancelled before it started/);
    expect((await run(d, 'batch status')).text).toBe('No batch is running.');
    const history = await run(d, 'batch history fitness');
    expect(history.text).toMatch(/cancelled\s+0\/25/);
    expect((await run(d, 'batch cancel 999')).text).toMatch(/no batch #999/);
    const over = await run(d, 'batch run fitness 41', services);
    expect(over.text).toMatch(/from 1 to 40 \(the active profiles in Fitness\); got 41/);
  });
});

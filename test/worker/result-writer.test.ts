import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checker/types.js';
import { ResultWriter } from '../../src/worker/result-writer.js';

const answer = (username: string): CheckResult => ({ username, outcome: 'no_story', attempts: 1 });

describe('result writer', () => {
  it('GIVEN answers arriving together and during a write THEN they go in few writes, in order, none lost', async () => {
    const writes: string[][] = [];
    let release: () => void = () => {};
    const writer = new ResultWriter(
      async (results) => {
        writes.push(results.map((r) => r.username));
        // The first write stays open until released, so later answers must queue behind it.
        if (writes.length === 1) await new Promise<void>((r) => (release = r));
        return true;
      },
      { lingerMs: 10, maxGroup: 200 },
    );
    const firstBurst = ['a', 'b', 'c'].map((u) => writer.add(answer(u)));
    await new Promise((r) => setTimeout(r, 30));
    expect(writes).toEqual([['a', 'b', 'c']]);
    const secondBurst = ['d', 'e'].map((u) => writer.add(answer(u)));
    await new Promise((r) => setTimeout(r, 30));
    // Still one write: d and e wait for the write in flight.
    expect(writes).toHaveLength(1);
    release();
    expect(await Promise.all([...firstBurst, ...secondBurst])).toEqual([true, true, true, true, true]);
    expect(writes).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('GIVEN more answers than a group holds THEN they are split; a write given up reports false to its answers only', async () => {
    const writes: number[] = [];
    const writer = new ResultWriter(
      async (results) => {
        writes.push(results.length);
        return writes.length !== 2;
      },
      { lingerMs: 5, maxGroup: 4 },
    );
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.add(answer(`u${i}`))));
    expect(writes).toEqual([4, 4, 2]);
    expect(all).toEqual([true, true, true, true, false, false, false, false, true, true]);
  });
});

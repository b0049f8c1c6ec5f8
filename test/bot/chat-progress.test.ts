import { describe, expect, it } from 'vitest';
import type { ProgressUpdate } from '../../src/bot/commands/types.js';
import { chatProgress } from '../../src/bot/shared/chat-progress.js';

/** A chat whose requests stay out until the test answers them, on a clock the test moves. */
function fakeChat() {
  const requests: Array<{ text: string; answer(ok?: boolean): void }> = [];
  const warnings: string[] = [];
  const clock = { t: 0 };
  const waits: Array<() => void> = [];
  const progress = chatProgress({
    now: () => clock.t,
    intervalMs: 1_500,
    wait: () => new Promise<void>((resolve) => waits.push(resolve)),
    log: { warn: (_obj, msg) => warnings.push(msg) },
    show: (text) =>
      new Promise<void>((resolve, reject) => {
        requests.push({ text, answer: (ok = true) => (ok ? resolve() : reject(new Error('429'))) });
      }),
  });
  return { progress, requests, warnings, clock, waits };
}

const at = (done: number): ProgressUpdate => ({
  what: 'Importing into fitness',
  done,
  total: 200_000,
  unit: 'usernames',
});
/** Lets the throttle see a request's answer (promise callbacks only; no time passes). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('chat progress: one message, throttled', () => {
  it('GIVEN updates faster than the interval THEN the first is shown at once, one request at a time, then at most every 1.5 s', async () => {
    const c = fakeChat();
    c.progress.update(at(0));
    expect(c.requests.map((r) => r.text)).toEqual(['Importing into fitness: 0 of 200,000 usernames (0 %)']);
    c.clock.t = 2_000;
    c.progress.update(at(20_000));
    expect(c.requests).toHaveLength(1); // the first is still out
    c.requests[0]?.answer();
    await settle();
    c.clock.t = 2_500;
    c.progress.update(at(40_000));
    expect(c.requests).toHaveLength(2); // out of the interval, nothing in flight: the latest goes
    expect(c.requests[1]?.text).toBe('Importing into fitness: 40,000 of 200,000 usernames (20 %)');
    c.requests[1]?.answer();
    await settle();
    c.clock.t = 3_000;
    c.progress.update(at(60_000));
    expect(c.requests).toHaveLength(2); // 0.5 s after the last request
    c.clock.t = 4_000;
    c.progress.update(at(80_000));
    expect(c.requests.map((r) => r.text).at(-1)).toBe(
      'Importing into fitness: 80,000 of 200,000 usernames (40 %)',
    );
  });

  it('GIVEN the last update came too soon THEN finish shows it before the reply, once', async () => {
    const c = fakeChat();
    c.progress.update(at(0));
    c.requests[0]?.answer();
    await settle();
    c.progress.update(at(200_000));
    expect(c.requests).toHaveLength(1);
    const finished = c.progress.finish();
    await settle();
    expect(c.requests.map((r) => r.text).at(-1)).toBe(
      'Importing into fitness: 200,000 of 200,000 usernames (100 %)',
    );
    c.requests[1]?.answer();
    await finished;
    await c.progress.finish();
    expect(c.requests).toHaveLength(2);
  });

  it('GIVEN a request refused (429) THEN it is logged and skipped, and the next state is still shown', async () => {
    const c = fakeChat();
    c.progress.update(at(0));
    c.requests[0]?.answer(false);
    await settle();
    expect(c.warnings).toEqual(['progress message not updated']);
    c.clock.t = 1_500;
    c.progress.update(at(100_000));
    expect(c.requests[1]?.text).toBe('Importing into fitness: 100,000 of 200,000 usernames (50 %)');
  });

  it('GIVEN a request that does not come back THEN finish gives up after its wait and sends no second one', async () => {
    const c = fakeChat();
    c.progress.update(at(0));
    c.clock.t = 5_000;
    c.progress.update(at(200_000));
    const finished = c.progress.finish();
    await settle();
    expect(c.waits).toHaveLength(1);
    c.waits[0]?.();
    await finished;
    expect(c.requests).toHaveLength(1);
  });

  it('GIVEN no update at all (a small import) THEN nothing is posted', async () => {
    const c = fakeChat();
    await c.progress.finish();
    expect(c.requests).toHaveLength(0);
  });
});

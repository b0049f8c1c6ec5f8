import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulerDeps } from '../../src/app/worker-deps.js';
import { startScheduler } from '../../src/worker/scheduler.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('never lose #14.14: a Redis outage does not flood the log', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Nothing listens there: every command and reconnect fails as in an outage.
    app = await createTestApp({ REDIS_URL: 'redis://127.0.0.1:6391' });
  });
  afterAll(async () => {
    // Quitting a connection that never connected waits for Redis: do not wait for it.
    await Promise.race([app.destroy().catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
  });

  it('GIVEN the scheduler ticking every 100 ms with Redis down for 4 s THEN each kind of trouble is said about once', async () => {
    const before = app.logs.lines.length;
    const scheduler = startScheduler(schedulerDeps(app), { checkEveryMs: 100 });
    await new Promise((r) => setTimeout(r, 4_000));
    void scheduler.stop();
    const lines = app.logs.lines.slice(before).map((l) => JSON.parse(l) as { msg: string });
    const byMessage: Record<string, number> = {};
    for (const l of lines) byMessage[l.msg] = (byMessage[l.msg] ?? 0) + 1;
    console.log(`4 s of Redis outage: ${lines.length} log lines ${JSON.stringify(byMessage)}`);
    expect(lines.length).toBeLessThanOrEqual(6);
    for (const n of Object.values(byMessage)) expect(n).toBeLessThanOrEqual(2);
  });
});

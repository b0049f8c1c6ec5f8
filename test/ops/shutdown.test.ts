import { describe, expect, it, vi } from 'vitest';
import { createShutdown } from '../../src/app/shutdown.js';
import { createLogger } from '../../src/core/logger.js';
import { LogCapture } from '../helpers/deps.js';

describe('graceful shutdown', () => {
  it('GIVEN SIGINT then SIGTERM THEN every part stops once, last started first, and the exit code is 0', async () => {
    const logs = new LogCapture();
    const exits: number[] = [];
    const order: string[] = [];
    const shutdown = createShutdown({ log: createLogger({}, logs), exit: (c) => exits.push(c) });
    for (const name of ['connections', 'worker', 'bots']) {
      shutdown.add(name, async () => {
        order.push(name);
      });
    }
    await Promise.all([shutdown.run('SIGINT'), shutdown.run('SIGTERM')]);
    expect(order).toEqual(['bots', 'worker', 'connections']);
    expect(exits).toEqual([0]);
  });

  it('GIVEN a part that never stops THEN the process is forced out with code 1 at the time limit', async () => {
    vi.useFakeTimers();
    try {
      const logs = new LogCapture();
      const exits: number[] = [];
      const shutdown = createShutdown({ log: createLogger({}, logs), exit: (c) => exits.push(c) });
      let connectionsClosed = false;
      shutdown.add('connections', async () => {
        connectionsClosed = true;
      });
      shutdown.add('stuck worker', () => new Promise<void>(() => {}));
      void shutdown.run('SIGTERM');
      await vi.advanceTimersByTimeAsync(29_999);
      expect(exits).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(exits).toEqual([1]);
      expect(connectionsClosed).toBe(false);
      expect(logs.text).toMatch(/shutdown took too long/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('GIVEN a part whose stop fails THEN the others still stop and the exit code says it failed', async () => {
    const logs = new LogCapture();
    const exits: number[] = [];
    const shutdown = createShutdown({ log: createLogger({}, logs), exit: (c) => exits.push(c) });
    let closed = false;
    shutdown.add('connections', async () => {
      closed = true;
    });
    shutdown.add('bot', async () => {
      throw new Error('gateway refused: token 123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    });
    await shutdown.run('SIGTERM');
    expect(closed).toBe(true);
    expect(exits).toEqual([1]);
    expect(logs.text).not.toMatch(/AAAAAAAAAAAAAAAA/);
  });
});

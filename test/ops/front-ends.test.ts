import { describe, expect, it, vi } from 'vitest';
import { type FrontEndHandle, superviseFrontEnd } from '../../src/app/front-ends.js';
import { createLogger } from '../../src/core/logger.js';
import { reply } from '../../src/reply/reply.js';
import { LogCapture } from '../helpers/deps.js';

describe('chat front-end supervision', () => {
  it('GIVEN the platform is unreachable at start THEN it keeps retrying, masks the token, and works once it answers', async () => {
    vi.useFakeTimers();
    try {
      const logs = new LogCapture();
      const token = '123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      const sent: string[] = [];
      let attempts = 0;
      const start = async (): Promise<FrontEndHandle> => {
        attempts++;
        if (attempts < 3)
          throw new Error(`connect ECONNREFUSED for https://api.telegram.org/bot${token}/getMe`);
        return {
          isConnected: () => true,
          stop: async () => {},
          sender: {
            platform: 'telegram',
            send: async (chatId) => {
              sent.push(chatId);
              return 'm1';
            },
          },
        };
      };
      const fe = superviseFrontEnd('telegram', start, createLogger({}, logs), [token]);
      await fe.firstAttempt;
      expect(fe.isConnected()).toBe(false);
      await expect(fe.sender.send('42', reply.text('hi'))).rejects.toThrow(/not connected yet/);
      await vi.advanceTimersByTimeAsync(15_000);
      expect(attempts).toBe(2);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(attempts).toBe(3);
      expect(fe.isConnected()).toBe(true);
      await fe.sender.send('42', reply.text('hi'));
      expect(sent).toEqual(['42']);
      expect(logs.text).toMatch(/could not start/);
      expect(logs.text).not.toContain(token);
      await fe.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('GIVEN a shutdown while a retry is pending THEN no further start is attempted', async () => {
    vi.useFakeTimers();
    try {
      let attempts = 0;
      const fe = superviseFrontEnd(
        'discord',
        async () => {
          attempts++;
          throw new Error('gateway unreachable');
        },
        createLogger({ level: 'silent' }),
        [],
      );
      await fe.firstAttempt;
      await fe.stop();
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(attempts).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

import { randomBytes } from 'node:crypto';
import type { Button } from '../../reply/reply.js';
import type { Keyboard } from './bot-api.js';

/** Buttons outlive a restart but not forever: page buttons older than a week may go stale anyway. */
const BUTTON_TTL_S = 7 * 24 * 3600;

interface RedisLike {
  set(key: string, value: string, ex: 'EX', seconds: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

export interface StoredButton {
  command: string;
  args: Record<string, string | number>;
}

/**
 * callback_data is limited to 64 bytes, and a button's command and arguments (niche names, sort
 * keys) can be longer, so each button's invocation is kept in Redis under a short random key.
 */
export class ButtonStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
  ) {}

  async keyboard(buttons: readonly Button[] | undefined): Promise<Keyboard | undefined> {
    if (!buttons || buttons.length === 0) return undefined;
    const row = await Promise.all(
      buttons.map(async (b) => {
        const key = randomBytes(9).toString('base64url');
        const stored: StoredButton = { command: b.command, args: b.args };
        await this.redis.set(this.redisKey(key), JSON.stringify(stored), 'EX', BUTTON_TTL_S);
        return { text: b.label, callbackData: `b:${key}` };
      }),
    );
    return [row];
  }

  async resolve(callbackData: string): Promise<StoredButton | undefined> {
    const m = /^b:([A-Za-z0-9_-]{1,40})$/.exec(callbackData);
    if (!m) return undefined;
    const raw = await this.redis.get(this.redisKey(m[1]!));
    return raw ? (JSON.parse(raw) as StoredButton) : undefined;
  }

  private redisKey(key: string): string {
    return `${this.prefix}:tg:button:${key}`;
  }
}

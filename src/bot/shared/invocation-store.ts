import { randomBytes } from 'node:crypto';
import type { Button } from '../../reply/reply.js';

/** Buttons outlive a restart but not forever: page buttons older than a week are stale anyway. */
const BUTTON_TTL_S = 7 * 24 * 3600;

export interface InvocationRedis {
  set(key: string, value: string, ex: 'EX', seconds: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

export interface StoredButton {
  command: string;
  args: Record<string, string | number>;
}

/**
 * Both platforms cap what a button may carry (Telegram callback_data 64 bytes, Discord custom_id 100
 * characters) while a button's command and arguments (niche names, sort keys) can be longer, so the
 * invocation is kept in Redis under a short random key and only the key travels with the button.
 */
export class InvocationStore {
  constructor(
    private readonly redis: InvocationRedis,
    private readonly prefix: string,
    private readonly namespace: string,
  ) {}

  /** Stores the button's invocation; returns the short key (base64url, 12 characters). */
  async save(button: Button): Promise<string> {
    const key = randomBytes(9).toString('base64url');
    const stored: StoredButton = { command: button.command, args: button.args };
    await this.redis.set(this.redisKey(key), JSON.stringify(stored), 'EX', BUTTON_TTL_S);
    return key;
  }

  async load(key: string): Promise<StoredButton | undefined> {
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(key)) return undefined;
    const raw = await this.redis.get(this.redisKey(key));
    return raw ? (JSON.parse(raw) as StoredButton) : undefined;
  }

  private redisKey(key: string): string {
    return `${this.prefix}:${this.namespace}:button:${key}`;
  }
}

import { randomBytes } from 'node:crypto';
import type { Button } from '../../reply/reply.js';

/** Page buttons older than a week are stale anyway; the store does not grow without bound. */
const BUTTON_TTL_S = 7 * 24 * 3600;
const PER_ROW = 5;
const MAX_ROWS = 5;
const LABEL_MAX = 80;

interface RedisLike {
  set(key: string, value: string, ex: 'EX', seconds: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

export interface StoredButton {
  command: string;
  args: Record<string, string | number>;
}

/** Discord's message component JSON (action rows of secondary buttons). */
export interface ActionRowJson {
  type: 1;
  components: Array<{ type: 2; style: 2; label: string; custom_id: string }>;
}

/**
 * A custom_id holds at most 100 characters, and a button's command and arguments (niche names, sort
 * keys, filters) can be longer, so each invocation is kept in Redis under a short random key and
 * the custom_id is `sw:<key>`. Keys survive a restart of the bot.
 */
export class DiscordButtonStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
  ) {}

  async components(buttons: readonly Button[] | undefined): Promise<ActionRowJson[]> {
    if (!buttons || buttons.length === 0) return [];
    const shown = buttons.slice(0, PER_ROW * MAX_ROWS);
    const made = await Promise.all(
      shown.map(async (b) => {
        const key = randomBytes(9).toString('base64url');
        const stored: StoredButton = { command: b.command, args: b.args };
        await this.redis.set(this.redisKey(key), JSON.stringify(stored), 'EX', BUTTON_TTL_S);
        const label = b.label.length <= LABEL_MAX ? b.label : `${b.label.slice(0, LABEL_MAX - 1)}…`;
        return { type: 2 as const, style: 2 as const, label, custom_id: `sw:${key}` };
      }),
    );
    const rows: ActionRowJson[] = [];
    for (let i = 0; i < made.length; i += PER_ROW)
      rows.push({ type: 1, components: made.slice(i, i + PER_ROW) });
    return rows;
  }

  async resolve(customId: string): Promise<StoredButton | undefined> {
    const m = /^sw:([A-Za-z0-9_-]{1,40})$/.exec(customId);
    if (!m) return undefined;
    const raw = await this.redis.get(this.redisKey(m[1]!));
    return raw ? (JSON.parse(raw) as StoredButton) : undefined;
  }

  private redisKey(key: string): string {
    return `${this.prefix}:dc:button:${key}`;
  }
}

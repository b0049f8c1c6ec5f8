import type { CoreDeps } from '../../core/deps.js';
import { recordEvent } from '../../core/events.js';

interface RedisLike {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<string | null>;
}

/** Repeated attempts by one refused user are recorded at most this often (no event flooding). */
const EVENT_THROTTLE_S = 600;

export const REFUSAL = 'This bot is private: only its owners can use it. Your attempt was logged.';

/**
 * Only DISCORD_OWNER_IDS may use the bot, whatever Discord's permissions let them see. Unlike a
 * Telegram message, an interaction must be answered, so a stranger always gets the (ephemeral)
 * refusal; the `auth` event is throttled per user.
 */
export class DiscordOwnerGate {
  private readonly owners: ReadonlySet<string>;

  constructor(
    owners: readonly string[],
    private readonly redis: RedisLike,
    private readonly prefix: string,
    private readonly core: Pick<CoreDeps, 'db' | 'clock'>,
  ) {
    this.owners = new Set(owners);
  }

  isOwner(userId: string): boolean {
    return this.owners.has(userId);
  }

  /** Records the attempt as an `auth` event (throttled); returns whether it was recorded. */
  async refuse(attempt: { userId: string; channelId: string; what: string }): Promise<boolean> {
    const fresh =
      (await this.redis.set(
        `${this.prefix}:dc:refused-event:${attempt.userId}`,
        '1',
        'EX',
        EVENT_THROTTLE_S,
        'NX',
      )) === 'OK';
    if (fresh) {
      await recordEvent(this.core, {
        kind: 'auth',
        level: 'warn',
        message: `Refused Discord user ${attempt.userId} in channel ${attempt.channelId} (${attempt.what})`,
        data: { platform: 'discord', userId: attempt.userId, chatId: attempt.channelId, what: attempt.what },
      });
    }
    return fresh;
  }
}

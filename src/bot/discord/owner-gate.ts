import type { CoreDeps } from '../../core/deps.js';
import { logRefusal, type RefusalRedis } from '../shared/refusal-log.js';

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
    private readonly redis: RefusalRedis,
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
    return logRefusal(
      { core: this.core, redis: this.redis, prefix: this.prefix },
      {
        platform: 'discord',
        where: 'channel',
        userId: attempt.userId,
        chatId: attempt.channelId,
        what: attempt.what,
      },
    );
  }
}

import type { CoreDeps } from '../../core/deps.js';
import { recordEvent } from '../../core/events.js';

interface RedisLike {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<string | null>;
}

/** A refused user is not answered again for this long. */
const REFUSED_TTL_S = 365 * 24 * 3600;
/** Repeated attempts by one refused user are recorded as events at most this often (no log flooding). */
const EVENT_THROTTLE_S = 600;

/**
 * Only the owner ids may use the bot. A stranger gets one refusal (remembered in Redis, so a restart
 * does not answer them again), nothing runs, and the attempt is an `auth` event.
 */
export class OwnerGate {
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

  /** Records the attempt; true when this user has not been refused before and should be told once. */
  async refuse(attempt: { userId: string; chatId: string; what: string }): Promise<boolean> {
    const first =
      (await this.redis.set(
        `${this.prefix}:tg:refused:${attempt.userId}`,
        '1',
        'EX',
        REFUSED_TTL_S,
        'NX',
      )) === 'OK';
    const logIt =
      first ||
      (await this.redis.set(
        `${this.prefix}:tg:refused-event:${attempt.userId}`,
        '1',
        'EX',
        EVENT_THROTTLE_S,
        'NX',
      )) === 'OK';
    if (logIt) {
      await recordEvent(this.core, {
        kind: 'auth',
        level: 'warn',
        message: `Refused Telegram user ${attempt.userId} in chat ${attempt.chatId} (${attempt.what})`,
        data: { platform: 'telegram', userId: attempt.userId, chatId: attempt.chatId, what: attempt.what },
      });
    }
    return first;
  }
}

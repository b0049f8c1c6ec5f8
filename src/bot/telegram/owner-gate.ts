import type { CoreDeps } from '../../core/deps.js';
import { logRefusal, type RefusalRedis } from '../shared/refusal-log.js';

/** A refused user is not answered again for this long. */
const REFUSED_TTL_S = 365 * 24 * 3600;
/**
 * An anonymous admin or a channel is not answered again in that chat for this long: whoever it is
 * may be the owner, so not never, but posting as a channel must not make the bot flood the group.
 */
const ANONYMOUS_ANSWER_TTL_S = 3600;

/**
 * Only the owner ids may use the bot. A stranger gets one refusal (remembered in Redis, so a restart
 * does not answer them again), nothing runs, and the attempt is an `auth` event (throttled).
 */
export class OwnerGate {
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

  /** Records the attempt; true when this user has not been refused before and should be told once. */
  async refuse(attempt: { userId: string; chatId: string; what: string }): Promise<boolean> {
    const first = await this.firstIn(`refused:${attempt.userId}`, REFUSED_TTL_S);
    await logRefusal(
      { core: this.core, redis: this.redis, prefix: this.prefix },
      { platform: 'telegram', where: 'chat', ...attempt },
    );
    return first;
  }

  /**
   * True when a message posted anonymously (as the group, or as a channel) in this chat should be
   * answered: once per chat per hour. Kept in Redis so a restart does not answer again.
   */
  answerAnonymous(chatId: string): Promise<boolean> {
    return this.firstIn(`anonymous-answered:${chatId}`, ANONYMOUS_ANSWER_TTL_S);
  }

  /** True the first time `key` is seen within `ttlS` seconds. */
  private async firstIn(key: string, ttlS: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:tg:${key}`, '1', 'EX', ttlS, 'NX')) === 'OK';
  }
}

import type { CoreDeps } from '../../core/deps.js';
import { logRefusal, type RefusalRedis } from '../shared/refusal-log.js';

/** A refused user is not answered again for this long. */
const REFUSED_TTL_S = 365 * 24 * 3600;

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
    const first =
      (await this.redis.set(
        `${this.prefix}:tg:refused:${attempt.userId}`,
        '1',
        'EX',
        REFUSED_TTL_S,
        'NX',
      )) === 'OK';
    await logRefusal(
      { core: this.core, redis: this.redis, prefix: this.prefix },
      { platform: 'telegram', where: 'chat', ...attempt },
    );
    return first;
  }
}

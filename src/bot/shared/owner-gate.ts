import type { CoreDeps } from '../../core/deps.js';
import type { ChatPlatform } from '../../delivery/types.js';
import { logRefusal, PLATFORM_WORDS, type RefusalRedis } from './refusal-log.js';

/** A refused user is not told again for this long. */
const REFUSED_TTL_S = 365 * 24 * 3600;
/**
 * An anonymous admin or a channel is not answered again in that chat for this long: whoever it is
 * may be the owner, so not never, but posting as a channel must not make the bot flood the group.
 */
const ANONYMOUS_ANSWER_TTL_S = 3600;

export interface RefusedAttempt {
  userId: string;
  chatId: string;
  what: string;
}

/**
 * Only the owner ids may use a chat front-end. A stranger's attempt runs nothing and is an `auth`
 * event (throttled per user, so a stranger cannot flood the event log). Whether the stranger is told
 * is the front-end's choice: Telegram tells once, Discord must answer every interaction.
 */
export class OwnerGate {
  private readonly owners: ReadonlySet<string>;

  constructor(
    private readonly platform: ChatPlatform,
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

  /** Records the attempt as an `auth` event (throttled); returns whether an event was written. */
  refuse(attempt: RefusedAttempt): Promise<boolean> {
    return logRefusal(
      { core: this.core, redis: this.redis, prefix: this.prefix },
      { platform: this.platform, ...attempt },
    );
  }

  /** True the first time this user is refused (kept in Redis, so a restart does not tell them again). */
  firstRefusal(userId: string): Promise<boolean> {
    return this.firstIn(`refused:${userId}`, REFUSED_TTL_S);
  }

  /**
   * True when a message posted anonymously (as the group, or as a channel) in this chat should be
   * answered: once per chat per hour, kept in Redis so a restart does not answer again.
   */
  answerAnonymous(chatId: string): Promise<boolean> {
    return this.firstIn(`anonymous-answered:${chatId}`, ANONYMOUS_ANSWER_TTL_S);
  }

  private async firstIn(key: string, ttlS: number): Promise<boolean> {
    const full = `${this.prefix}:${PLATFORM_WORDS[this.platform].ns}:${key}`;
    return (await this.redis.set(full, '1', 'EX', ttlS, 'NX')) === 'OK';
  }
}

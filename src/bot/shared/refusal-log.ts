import type { CoreDeps } from '../../core/deps.js';
import { recordEvent } from '../../core/events.js';

export interface RefusalRedis {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<string | null>;
}

/** Each platform's Redis namespace, its name in an event, and its word for where a message was sent. */
export const PLATFORM_WORDS = {
  telegram: { ns: 'tg', name: 'Telegram', where: 'chat' },
  discord: { ns: 'dc', name: 'Discord', where: 'channel' },
} as const;

/** Repeated attempts by one refused user are recorded as events at most this often (no flooding). */
const EVENT_THROTTLE_S = 600;

/**
 * Records a stranger's attempt as an `auth` event, at most once per user per throttle period, so a
 * stranger cannot flood the operator's event log. Returns whether an event was written.
 */
export async function logRefusal(
  deps: { core: Pick<CoreDeps, 'db' | 'clock'>; redis: RefusalRedis; prefix: string },
  attempt: { platform: keyof typeof PLATFORM_WORDS; userId: string; chatId: string; what: string },
): Promise<boolean> {
  const { ns, name, where } = PLATFORM_WORDS[attempt.platform];
  const fresh =
    (await deps.redis.set(
      `${deps.prefix}:${ns}:refused-event:${attempt.userId}`,
      '1',
      'EX',
      EVENT_THROTTLE_S,
      'NX',
    )) === 'OK';
  if (fresh) {
    await recordEvent(deps.core, {
      kind: 'auth',
      level: 'warn',
      message: `Refused ${name} user ${attempt.userId} in ${where} ${attempt.chatId} (${attempt.what})`,
      data: {
        platform: attempt.platform,
        userId: attempt.userId,
        chatId: attempt.chatId,
        what: attempt.what,
      },
    });
  }
  return fresh;
}

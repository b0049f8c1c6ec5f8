import type { CoreDeps } from '../../core/deps.js';
import { recordEvent } from '../../core/events.js';

export interface RefusalRedis {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<string | null>;
}

/** Repeated attempts by one refused user are recorded as events at most this often (no flooding). */
const EVENT_THROTTLE_S = 600;

/**
 * Records a stranger's attempt as an `auth` event, at most once per user per throttle period, so a
 * stranger cannot flood the operator's event log. Returns whether an event was written.
 */
export async function logRefusal(
  deps: { core: Pick<CoreDeps, 'db' | 'clock'>; redis: RefusalRedis; prefix: string },
  attempt: { platform: 'telegram' | 'discord'; userId: string; chatId: string; what: string; where: string },
): Promise<boolean> {
  const ns = attempt.platform === 'telegram' ? 'tg' : 'dc';
  const fresh =
    (await deps.redis.set(
      `${deps.prefix}:${ns}:refused-event:${attempt.userId}`,
      '1',
      'EX',
      EVENT_THROTTLE_S,
      'NX',
    )) === 'OK';
  if (fresh) {
    const platformName = attempt.platform === 'telegram' ? 'Telegram' : 'Discord';
    await recordEvent(deps.core, {
      kind: 'auth',
      level: 'warn',
      message: `Refused ${platformName} user ${attempt.userId} in ${attempt.where} ${attempt.chatId} (${attempt.what})`,
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

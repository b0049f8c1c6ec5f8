import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The part of Telegram's `user` field the panel reads. */
const userSchema = z.object({ id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** Telegram's and our clocks may differ a little; an auth_date further ahead than this is refused. */
const CLOCK_SKEW_SECONDS = 60;

export type InitDataResult =
  | { ok: true; userId: string }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'stale' | 'future' | 'not-owner' };

export interface InitDataCheck {
  initData: string;
  botToken: string;
  ownerIds: readonly string[];
  maxAgeSeconds: number;
  now: Date;
}

/**
 * Verifies a Telegram Mini App's `initData` as Telegram documents it
 * (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
 * data-check-string = every field but `hash`, as `key=value`, sorted by key, joined by "\n";
 * secret_key = HMAC_SHA256(bot_token, key "WebAppData"); hash = hex(HMAC_SHA256(data-check-string,
 * secret_key)). Then `auth_date` must be recent and the user one of the owners.
 *
 * A key given twice is refused: the signature would cover one copy (Object.fromEntries keeps the last)
 * while params.get reads the first, so anyone holding their own genuine initData (every Telegram user
 * who opens the bot's Mini App gets one) could put `user={"id":<an owner>}` in front of it. The
 * `signature` field (Telegram's Ed25519 one, for third parties) is a field like any other here: Telegram
 * includes it in the data-check-string of `hash`.
 */
export function verifyInitData(check: InitDataCheck): InitDataResult {
  const params = new URLSearchParams(check.initData);
  const keys = [...params.keys()];
  if (new Set(keys).size !== keys.length) return { ok: false, reason: 'malformed' };
  const hash = params.get('hash');
  if (!hash || !/^[0-9a-f]{64}$/.test(hash)) return { ok: false, reason: 'malformed' };
  const fields = [...params].filter(([key]) => key !== 'hash');
  const expected = signature(Object.fromEntries(fields), check.botToken);
  if (!timingSafeEqual(expected, Buffer.from(hash, 'hex'))) return { ok: false, reason: 'bad-signature' };
  const authDate = Number(params.get('auth_date'));
  if (!Number.isInteger(authDate) || authDate <= 0) return { ok: false, reason: 'malformed' };
  const age = check.now.getTime() / 1000 - authDate;
  if (age > check.maxAgeSeconds) return { ok: false, reason: 'stale' };
  if (age < -CLOCK_SKEW_SECONDS) return { ok: false, reason: 'future' };
  let user: z.infer<typeof userSchema>;
  try {
    user = userSchema.parse(JSON.parse(params.get('user') ?? 'null'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const userId = String(user.id);
  if (!check.ownerIds.includes(userId)) return { ok: false, reason: 'not-owner' };
  return { ok: true, userId };
}

/** Signs fields as Telegram does (tests and the Mini App test page use it to build a genuine initData). */
export function signInitData(fields: Record<string, string>, botToken: string): string {
  const hash = signature(fields, botToken).toString('hex');
  const params = new URLSearchParams(fields);
  params.set('hash', hash);
  return params.toString();
}

function signature(fields: Record<string, string>, botToken: string): Buffer {
  const dataCheckString = Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('\n');
  const secretKey = createHmac('sha256', 'WebAppData').update(botToken).digest();
  return createHmac('sha256', secretKey).update(dataCheckString).digest();
}

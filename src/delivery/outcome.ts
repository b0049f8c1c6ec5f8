import { ChatMovedError, PermanentDeliveryError, RetryAfterError } from './types.js';

/**
 * What a failed send means for the delivery, from the error alone (pure, so every platform's errors
 * are judged by one table):
 * - `retry_after`: the platform said when (429): wait that long, no attempt used;
 * - `moved`: the chat lives on under a new id: follow it;
 * - `refused`: refused for good (403, chat gone): disable the target, never retry;
 * - `unreachable`: the platform could not be reached, answered 5xx, or our front-end is still
 *   connecting: retry with backoff for as long as it takes, no attempt used (an outage must not
 *   drop digests, summaries or alerts);
 * - `failed`: anything else (a 4xx we did not expect, a bug): retried a bounded number of times.
 */
export type DeliveryOutcome = 'retry_after' | 'moved' | 'refused' | 'unreachable' | 'failed';

const UNREACHABLE =
  /^Telegram 5\d\d\b|Discord answered HTTP 5\d\d|front-end is not connected yet|ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EPIPE|socket hang up|fetch failed|network|Connect Timeout|other side closed/i;

export function deliveryOutcome(err: unknown): DeliveryOutcome {
  if (err instanceof RetryAfterError) return 'retry_after';
  if (err instanceof ChatMovedError) return 'moved';
  if (err instanceof PermanentDeliveryError) return 'refused';
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const text = `${e?.message ?? String(err)} ${e?.code ?? ''} ${e?.cause?.code ?? ''} ${e?.cause?.message ?? ''}`;
  return UNREACHABLE.test(text) ? 'unreachable' : 'failed';
}

/** How long an unreachable delivery waits before its `tries`-th retry (exponential, capped). */
export function unreachableDelayMs(tries: number, base = 2_000, cap = 5 * 60_000): number {
  return Math.min(cap, base * 2 ** Math.min(tries, 20));
}

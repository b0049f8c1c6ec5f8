import type { Logger } from './logger.js';

/** Errors that mean "Redis or Postgres is not answering": each retry says the same thing again. */
export const CONNECTION_TROUBLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|connect ETIMEDOUT|Stream isn't writeable|ended by the server|CONNECTION_(CLOSED|DESTROYED|ENDED)|terminating connection/i;

/**
 * A warning said at most once a minute per key, with how many were held back: during an outage
 * every reconnect, tick and poll fails the same way, and a log that scrolls a hundred lines in ten
 * seconds hides the one line that matters.
 */
export function throttledWarn(
  log: Logger,
  everyMs = 60_000,
): (key: string, fields: object, msg: string) => void {
  const quietUntil = new Map<string, number>();
  const held = new Map<string, number>();
  return (key, fields, msg) => {
    const now = Date.now();
    if (now < (quietUntil.get(key) ?? 0)) {
      held.set(key, (held.get(key) ?? 0) + 1);
      return;
    }
    quietUntil.set(key, now + everyMs);
    log.warn({ ...fields, suppressed: held.get(key) ?? 0 }, msg);
    held.set(key, 0);
  };
}

/** An 'error' listener for BullMQ queues and workers: connection trouble once a minute, the rest always. */
export function bullErrorLogger(log: Logger, what: string): (err: Error) => void {
  const warn = throttledWarn(log);
  return (err) => {
    if (CONNECTION_TROUBLE.test(err.message))
      warn('connection', { what, err }, `${what}: connection trouble`);
    else log.warn({ what, err }, `${what} error`);
  };
}

/**
 * An 'error' listener for a BullMQ Queue: without one BullMQ prints every error as a stack trace.
 * Connection trouble is already logged (once a minute) by the connection itself; anything else is said.
 */
export function queueErrorLogger(log: Logger, queue: string): (err: Error) => void {
  return (err) => {
    if (!CONNECTION_TROUBLE.test(err.message)) log.warn({ queue, err }, 'queue error');
  };
}

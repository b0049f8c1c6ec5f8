/**
 * Whether an error means Postgres cannot be reached (refused, reset, timed out, shutting down, out of
 * connections) rather than a bug: the page then says 503 and "try again", not 500. drizzle wraps the
 * driver's error in its own (`cause`), so the chain is walked.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // postgres.js's own
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/** SQLSTATE class 08 (connection exception) and 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too many connections). */
function isUnavailableSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code);
}

export function isDatabaseDown(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || isUnavailableSqlState(code))) return true;
    // AggregateError: Node's connect tries every address of `localhost` (::1 and 127.0.0.1).
    if (current instanceof AggregateError && current.errors.some((e) => isDatabaseDown(e))) return true;
    current = current.cause;
  }
  return false;
}

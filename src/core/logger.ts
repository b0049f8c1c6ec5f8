import { type DestinationStream, type Logger, pino } from 'pino';
import { maskSecrets } from './mask.js';

export type { Logger };

/**
 * Paths whose values are secrets wherever they appear in a log record. Free-text strings are masked
 * separately with `maskSecrets` before they are logged, since pino only redacts by path.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'cookie',
  '*.cookie',
  'sessionid',
  '*.sessionid',
  'headers.cookie',
  'headers.authorization',
  'headers["proxy-authorization"]',
  '*.headers.cookie',
  '*.headers.authorization',
  'credentials',
  '*.credentials',
  'proxyUrl',
  '*.proxyUrl',
];

/**
 * The one way an error reaches the log: `log.warn({ err }, '...')`. pino's standard serializer (type,
 * message, stack, code, cause), with every string masked: a proxy URL or a cookie inside a message,
 * a stack or a cause never reaches the log in clear.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? maskSecrets(err) : err;
  return maskStrings(pino.stdSerializers.err(err), 0);
}

function maskStrings(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v, depth + 1)]));
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'storywatch',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '***' },
      serializers: { err: serializeError },
    },
    destination,
  );
}

import { type DestinationStream, type Logger, pino } from 'pino';

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

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'storywatch',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '***' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

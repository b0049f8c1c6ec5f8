import { type DestinationStream, pino } from 'pino';
import pinoPretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT when set; otherwise readable lines on a terminal and JSON lines anywhere else. */
export function logFormat(asked: LogFormat | undefined, stream: NodeJS.WriteStream): LogFormat {
  return asked ?? (stream.isTTY === true ? 'pretty' : 'json');
}

/**
 * Where the logger writes: `stream` as JSON lines, or pino-pretty in the same thread (synchronous, no
 * worker-thread transport), so a line is on the terminal before the next statement runs and nothing is
 * lost when the process exits.
 */
export function logOutput(
  asked: LogFormat | undefined,
  stream: NodeJS.WriteStream & { fd: number } = process.stdout,
): DestinationStream {
  if (logFormat(asked, stream) === 'json') return pino.destination({ fd: stream.fd, sync: true });
  return pinoPretty({
    destination: stream.fd,
    sync: true,
    colorize: stream.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
  });
}

import { withoutSecrets } from '../bot/shared/internal-failure.js';
import type { Logger } from '../core/logger.js';
import type { ChatPlatform, ChatSender } from '../delivery/types.js';
import type { Reply } from '../reply/reply.js';

/** What `startTelegram` and `startDiscord` return. */
export interface FrontEndHandle {
  stop(): Promise<void>;
  sender: ChatSender;
  isConnected(): boolean;
}

export interface SupervisedFrontEnd {
  platform: ChatPlatform;
  /** Stands in for the platform's sender from the start, so the delivery worker can be built at once. */
  sender: ChatSender;
  isConnected(): boolean;
  /** Settles after the first start attempt, whatever its result. */
  firstAttempt: Promise<void>;
  stop(): Promise<void>;
}

const FIRST_RETRY_MS = 15_000;
const MAX_RETRY_MS = 5 * 60_000;

/**
 * Starts a chat front-end and keeps trying if it cannot start (platform unreachable, network down at
 * boot), with backoff up to five minutes. A chat platform being away must not take the worker and the
 * scheduler in the same process down with it; /healthz names the platform until it is connected, and
 * deliveries meanwhile fail and are retried by the queue.
 */
export function superviseFrontEnd(
  platform: ChatPlatform,
  start: () => Promise<FrontEndHandle>,
  log: Logger,
  secrets: readonly string[],
): SupervisedFrontEnd {
  let handle: FrontEndHandle | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> | undefined;
  let delay = FIRST_RETRY_MS;

  const tryStart = async (): Promise<void> => {
    try {
      const started = await start();
      if (stopped) {
        await started.stop();
        return;
      }
      handle = started;
      log.info({ platform }, `${platform} front-end started`);
    } catch (err) {
      log.error(
        { platform, err: withoutSecrets(err, secrets), retryInMs: delay },
        `${platform} front-end could not start`,
      );
      if (stopped) return;
      timer = setTimeout(() => {
        attempt = tryStart();
      }, delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  };
  attempt = tryStart();

  return {
    platform,
    firstAttempt: attempt,
    sender: {
      platform,
      send(chatId: string, reply: Reply, options?: { replaceMessageId?: string }) {
        if (!handle) return Promise.reject(new Error(`${platform} front-end is not connected yet`));
        return handle.sender.send(chatId, reply, options);
      },
    },
    isConnected: () => handle?.isConnected() ?? false,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await attempt;
      await handle?.stop();
    },
  };
}

import type { ProcessDeps } from '../runtime/deps.js';
import type { ChatPlatform } from './types.js';

/** Progress message ids are only needed while a batch runs; two days covers any batch. */
export const MESSAGE_REF_TTL_S = 2 * 24 * 3600;

/** A message a front-end posted that later deliveries with the same `replaceKey` edit in place. */
export interface ProgressMessageRef {
  platform: ChatPlatform;
  chatId: string;
  /** The reply's `progressKey` (`batchProgressKey` in core/batches). */
  replaceKey: string;
  messageId: string;
}

/**
 * Where a progress message is: written by the front-end that posted it, read by the delivery worker
 * that edits it. The one definition of the key, on one Redis connection opened at first use.
 */
export interface ProgressMessages {
  remember(ref: ProgressMessageRef): Promise<void>;
}

export function messageRefKey(
  queuePrefix: string,
  ref: Pick<ProgressMessageRef, 'platform' | 'chatId' | 'replaceKey'>,
): string {
  return `${queuePrefix}:msgref:${ref.platform}:${ref.chatId}:${ref.replaceKey}`;
}

export function createProgressMessages(deps: Pick<ProcessDeps, 'redis' | 'queuePrefix'>): ProgressMessages & {
  close(): Promise<void>;
} {
  let conn: ReturnType<ProcessDeps['redis']> | undefined;
  return {
    async remember(ref) {
      conn ??= deps.redis('progress-refs');
      await conn.set(messageRefKey(deps.queuePrefix, ref), ref.messageId, 'EX', MESSAGE_REF_TTL_S);
    },
    async close() {
      await conn?.quit().catch(() => {});
    },
  };
}

import type { Logger } from '../core/logger.js';
import type { ProcessDeps, Redis } from '../runtime/deps.js';
import type { ChatPlatform, ChatSender } from './types.js';

/** What every step of a delivery job shares: the process's deps and the worker's own Redis connection. */
export interface DeliveryWorkerContext {
  deps: ProcessDeps;
  senders: Partial<Record<ChatPlatform, ChatSender>>;
  /** Progress message ids, edit order and the parts of a reply already out. */
  redis: Redis;
  log: Logger;
  unreachableBackoff: { baseMs: number; capMs: number };
}

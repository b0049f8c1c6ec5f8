import type { Reply } from '../reply/reply.js';

export type ChatPlatform = 'telegram' | 'discord';

export interface ChatTarget {
  platform: ChatPlatform;
  chatId: string;
}

/**
 * What the worker (or any role) wants said in a chat. Only the bot role holds chat clients; everyone
 * else puts a Delivery on the `deliveries` queue. The dedupeKey becomes the job id, so the same digest
 * hour or batch summary is delivered once, across restarts.
 */
export interface Delivery {
  target: ChatTarget;
  reply: Reply;
  dedupeKey: string;
  /** Edit the message previously sent with this key (batch progress) instead of sending a new one. */
  replaceKey?: string;
  /**
   * Order of the edits under one replaceKey: an edit older than one already shown is dropped, so a
   * progress update retried after a 429 never overwrites the final state.
   */
  seq?: number;
  /** How many times the platform could not be reached for it (backoff; attempts are not used up). */
  unreachableTries?: number;
}

export const DELIVERIES_QUEUE = 'deliveries';

/** Thrown by a sender when the platform refused for good (403, chat not found): disable the target. */
export class PermanentDeliveryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** Thrown by a sender when the chat lives on under a new id (a Telegram group became a supergroup). */
export class ChatMovedError extends Error {
  constructor(
    message: string,
    readonly newChatId: string,
  ) {
    super(message);
    this.name = 'ChatMovedError';
  }
}

/** Thrown by a sender on 429: the platform said when to try again. */
export class RetryAfterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'RetryAfterError';
  }
}

/**
 * Where a reply that goes out in several messages got to, kept across a job's retries so a retry after
 * part 2 failed sends parts 2.. only, never part 1 again.
 */
export interface PartsSent {
  /** Parts already out, and the id of the first one (the id the delivery reports). */
  done: number;
  firstId?: string;
  record(done: number, firstId: string): Promise<void>;
}

export interface SendOptions {
  replaceMessageId?: string;
  parts?: PartsSent;
}

/** Implemented once per platform by the bot role. */
export interface ChatSender {
  readonly platform: ChatPlatform;
  /** Sends (or, with replaceKey and a known message, edits) and returns the platform's message id. */
  send(chatId: string, reply: Reply, options?: SendOptions): Promise<string>;
}

/** Puts deliveries on the `deliveries` queue; one per process, built by the composition root. */
export interface DeliveryProducer {
  /** Queues a delivery; the same dedupeKey is queued (and so sent) once. */
  enqueue(delivery: Delivery): Promise<void>;
  /** Writes outbox rows (payload) into the queue again if they were never queued or were lost. */
  relayOutbox(olderThanMs?: number): Promise<number>;
  close(): Promise<void>;
}

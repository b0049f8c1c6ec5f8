import type { Redis } from 'ioredis';
import type { CoreDeps } from '../core/deps.js';
import type { Logger } from '../core/logger.js';

export type { Redis };

/**
 * Opens a new named Redis connection with the options BullMQ requires. `pipelined` sends the commands
 * issued in one tick in one write; never for BullMQ's own connections, whose blocking commands must
 * not share a write with others.
 */
export type RedisFactory = (name: string, options?: { pipelined?: boolean }) => Redis;

/**
 * What a long-running part of a role (a queue, a worker, a scheduler, a front-end) gets from its
 * process: the core's dependencies, a logger, a way to open Redis connections, and the queue prefix.
 * The composition root (`src/app`) builds it; nothing below `app/` sees the env or the whole context.
 */
export interface ProcessDeps {
  core: CoreDeps;
  log: Logger;
  redis: RedisFactory;
  queuePrefix: string;
}

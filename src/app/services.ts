import type { CommandServices } from '../bot/commands/types.js';
import type { Reply } from '../reply/reply.js';

/** The long-running pieces the commands can reach, as far as this process has them. */
export interface ServiceSources {
  /** The batch queue's producer (any role can enqueue; a worker anywhere will run it). */
  enqueueBatch?: (batchId: number) => Promise<void>;
  /** The checker's proxy tester. */
  testProxies?: (proxyId?: number) => Promise<Reply>;
}

/**
 * Builds the CommandServices every front-end passes to `dispatch`. A service left undefined makes the
 * command that needs it answer that this process cannot do it, instead of failing obscurely.
 */
export function buildCommandServices(sources: ServiceSources): CommandServices {
  const services: CommandServices = {};
  if (sources.enqueueBatch) services.enqueueBatch = sources.enqueueBatch;
  if (sources.testProxies) services.testProxies = sources.testProxies;
  return services;
}

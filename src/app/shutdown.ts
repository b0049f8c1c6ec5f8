import type { Logger } from '../core/logger.js';

/** The whole process must be gone within this, whatever a stopper does (container stop grace is 30 s+). */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

export interface Shutdown {
  /** Registers a stopper; stoppers run in reverse order of registration (last started, first stopped). */
  add(name: string, stop: () => Promise<void>): void;
  /** Runs every stopper once; later calls (a second Ctrl-C, SIGTERM after SIGINT) return the same run. */
  run(reason: string, exitCode?: number): Promise<void>;
  readonly started: boolean;
}

export interface ShutdownOptions {
  log: Logger;
  timeoutMs?: number;
  /** process.exit in production; tests pass their own to observe the exit code. */
  exit?: (code: number) => void;
}

/**
 * Graceful shutdown behind a run-once guard. Each stopper is awaited in turn so the worker finishes or
 * hands back its jobs before the Redis and Postgres connections it uses are closed. If the whole thing
 * takes longer than the timeout, the process exits with code 1 anyway: a stuck stop must never leave a
 * half-dead process holding locks.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? SHUTDOWN_TIMEOUT_MS;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stoppers: Array<{ name: string; stop: () => Promise<void> }> = [];
  let running: Promise<void> | undefined;

  const runAll = async (reason: string, exitCode: number): Promise<void> => {
    log.info({ reason, timeoutMs }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown took too long: forcing exit');
      exit(1);
    }, timeoutMs);
    force.unref();
    let failed = false;
    for (const { name, stop } of [...stoppers].reverse()) {
      try {
        await stop();
        log.info({ part: name }, 'stopped');
      } catch (err) {
        failed = true;
        log.error({ part: name, err }, 'stop failed');
      }
    }
    clearTimeout(force);
    log.info({ reason }, 'shutdown complete');
    exit(failed ? 1 : exitCode);
  };

  return {
    add(name, stop) {
      stoppers.push({ name, stop });
    },
    run(reason, exitCode = 0) {
      running ??= runAll(reason, exitCode);
      return running;
    },
    get started() {
      return running !== undefined;
    },
  };
}

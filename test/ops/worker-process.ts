/**
 * One worker process for the scale-out test: the production worker role (src/app/worker-role.ts)
 * with the production env schema, plus shorter rate windows passed as test-only overrides so the
 * test runs in seconds. Started with `node --import tsx test/ops/worker-process.ts`.
 */
import { createAppContext } from '../../src/app/context.js';
import { createShutdown } from '../../src/app/shutdown.js';
import { startWorkerRole } from '../../src/app/worker-role.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/core/logger.js';

const windowMs = Number(process.env.TEST_WINDOW_MS ?? 60_000);
const env = loadEnv();
const log = createLogger({ level: env.LOG_LEVEL });
const app = createAppContext(env, log);
const shutdown = createShutdown({ log });
shutdown.add('connections', () => app.close());
process.on('SIGTERM', () => void shutdown.run('SIGTERM'));
await startWorkerRole(app, shutdown, {
  checker: { budgetWindowMs: windowMs },
  worker: {
    // One batch at a time per process, so two batches need both processes.
    concurrency: 1,
    // The guard covers the gap between a start being admitted and its request reaching Instagram. On a
    // test machine shared with other suites a process can stall for longer than production's 250 ms,
    // and the test measures at the fake Instagram, so it gets a wider guard.
    limits: { rateWindowMs: windowMs, rateGuardMs: 1_000 },
    pollMs: 200,
    recoveryEveryMs: 2_000,
    recoveryGraceMs: 2_000,
  },
});
log.info('worker process ready');

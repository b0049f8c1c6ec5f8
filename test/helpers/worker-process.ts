/**
 * A real worker process for crash tests: `node --import tsx test/helpers/worker-process.ts`, configured
 * by the ordinary env vars (DATABASE_URL, REDIS_URL, QUEUE_PREFIX, INSTAGRAM_WEB_URL, ...) plus short
 * BullMQ locks so a killed worker's batch is taken over in seconds. Prints "ready" when consuming, and
 * on SIGTERM closes the way production does, printing "closed <ms>".
 */
import { createAppContext } from '../../src/app/context.js';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import { checkerOptionsFromEnv, createStoryChecker } from '../../src/checker/index.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/core/logger.js';
import { startWorker } from '../../src/worker/batch-worker.js';

const env = loadEnv();
const log = createLogger({ level: env.LOG_LEVEL });
const app = createAppContext(env, log);
const checker = await createStoryChecker({
  core: app.core,
  redis: app.redis('checker', { pipelined: true }),
  options: { ...checkerOptionsFromEnv(env), healthFlushMs: 200 },
});
const handle = startWorker(batchWorkerDeps(app), {
  checker,
  limits: { leaseMs: 3_000 },
  lockDurationMs: 3_000,
  stalledIntervalMs: 2_000,
  pollMs: 200,
  progressEveryMs: 1_000,
  settingsRefreshMs: 1_000,
  recoveryEveryMs: 2_000,
  recoveryGraceMs: 2_000,
  summaryRelayAfterMs: 1_000,
});
await handle.worker.waitUntilReady();
process.stdout.write('ready\n');

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  const t0 = Date.now();
  void (async () => {
    await handle.close();
    await checker.close();
    await app.close();
    process.stdout.write(`closed ${Date.now() - t0}\n`);
    process.exit(0);
  })();
});

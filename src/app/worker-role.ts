import { checkerOptionsFromEnv, createStoryChecker, type StoryCheckerOptions } from '../checker/index.js';
import { startWorker, type WorkerOptions } from '../worker/batch-worker.js';
import { deliverCheckerAlert } from './alerts.js';
import type { AppContext } from './context.js';
import type { Shutdown } from './shutdown.js';
import { batchWorkerDeps } from './worker-deps.js';

/**
 * Overrides for tests and the demo: shorter rate windows so a scale-out test runs in seconds, short
 * proxy cooldowns so the demo's simulated 429s cost seconds, not minutes. Production passes none;
 * every limit then comes from the env and the settings table.
 */
export interface WorkerRoleOverrides {
  checker?: Partial<Pick<StoryCheckerOptions, 'budgetWindowMs' | 'cooldownBaseMs' | 'cooldownMaxMs'>>;
  worker?: Omit<WorkerOptions, 'checker'>;
}

/**
 * The worker role: the Instagram checker (proxy pool, sessions, per-proxy budgets in Redis) and the
 * BullMQ batch worker that runs batches through it. The worker stops before the checker, so checks in
 * flight at shutdown finish and are recorded before the proxy pool closes.
 */
export async function startWorkerRole(
  app: AppContext,
  shutdown: Shutdown,
  overrides: WorkerRoleOverrides = {},
): Promise<void> {
  const log = app.log.child({ role: 'worker' });
  const checker = await createStoryChecker({
    core: app.core,
    redis: app.redis('checker', { pipelined: true }),
    options: {
      ...checkerOptionsFromEnv(app.env),
      ...overrides.checker,
      onAlert: (alert) => {
        deliverCheckerAlert(app, alert).catch((err: unknown) =>
          log.warn({ err, alert: alert.kind }, 'cannot deliver a checker alert'),
        );
      },
    },
  });
  shutdown.add('checker', () => checker.close());
  const worker = startWorker(batchWorkerDeps(app), { ...overrides.worker, checker });
  shutdown.add('batch worker', () => worker.close());
  log.info('batch worker started');
}

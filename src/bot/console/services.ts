import type { AppContext } from '../../app/context.js';
import { buildCommandServices } from '../../app/services.js';
import type { CommandServices } from '../../bot/commands/types.js';
import { testProxies } from '../../checker/index.js';

/**
 * What the console can do beyond the database: test proxies from this machine. Batches are created in
 * the database by the batch commands; queueing them needs the worker's queue producer, which is wired
 * here once the worker exports it.
 */
export function consoleServices(app: AppContext): CommandServices {
  return buildCommandServices({
    testProxies: (proxyId) =>
      testProxies(
        app.core,
        { instagramUrl: app.env.INSTAGRAM_WEB_URL, timeoutMs: app.env.CHECK_TIMEOUT_MS },
        proxyId,
      ),
  });
}

import { createAppContext } from './app/context.js';
import { resolveCredentialsKey } from './app/credentials-key.js';
import { createHealthChecks } from './app/health-checks.js';
import { logOutput } from './app/log-output.js';
import { startRoles } from './app/roles.js';
import { createShutdown } from './app/shutdown.js';
import { pingRedis, postgresHint, redisHint, untilReachable } from './app/wait-for-services.js';
import { readRouteView } from './checker/index.js';
import { EnvError, loadDotEnvFile, loadEnv } from './config/env.js';
import { upgradeCredentialBinding } from './core/crypto/upgrade-binding.js';
import { prepareDatabase } from './core/db/migrate.js';
import { createLogger } from './core/logger.js';
import { maskSecrets } from './core/mask.js';
import { startHttpServer } from './http/server.js';
import { createMetricsRegistry } from './observability/metrics.js';

async function main(): Promise<void> {
  let env: ReturnType<typeof loadEnv>;
  try {
    loadDotEnvFile();
    env = loadEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\nSee .env.example and README.md for every variable.\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: env.LOG_LEVEL }, logOutput(env.LOG_FORMAT));
  const startedAt = new Date();
  log.info(
    {
      roles: env.STORYWATCH_ROLES,
      database: maskSecrets(env.DATABASE_URL),
      redis: maskSecrets(env.REDIS_URL),
      queuePrefix: env.QUEUE_PREFIX,
      httpPort: env.HTTP_PORT,
    },
    'storywatch starting',
  );
  const shutdown = createShutdown({ log });
  process.on('SIGINT', () => void shutdown.run('SIGINT'));
  process.on('SIGTERM', () => void shutdown.run('SIGTERM'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    void shutdown.run('uncaughtException', 1);
  });
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled promise rejection');
  });

  // One budget for both: STARTUP_WAIT_S is how long start-up may wait in all.
  const waitUntil = Date.now() + env.STARTUP_WAIT_S * 1000;
  const waiting = () => ({ log, timeoutMs: Math.max(0, waitUntil - Date.now()) });
  const { created } = await untilReachable(
    'Postgres',
    () => prepareDatabase(env.DATABASE_URL),
    postgresHint(env.DATABASE_URL),
    waiting(),
  );
  log.info({ created }, created ? 'database created and migrated' : 'database migrated');
  // Every role's connections retry forever by design (BullMQ); without this a dead Redis hangs start-up.
  await untilReachable('Redis', () => pingRedis(env.REDIS_URL), redisHint(env.REDIS_URL), waiting());
  const app = createAppContext(env, log);
  // Registered first so it runs last: every role is stopped before its connections are closed.
  shutdown.add('connections', () => app.close());
  // CREDENTIALS_KEY, or the key file in STORYWATCH_DATA_DIR (created on the first start); before any role runs.
  app.core.credentialsKey = await resolveCredentialsKey(env, app.core, log);
  await upgradeCredentialBinding(app.core); // v1 credentials bound to their rows (#14.4)

  const roles = await startRoles(app, env.STORYWATCH_ROLES, shutdown);

  if (env.HTTP_PORT === 0) {
    log.info('HTTP_PORT=0: /healthz and /metrics are disabled');
    if (env.TELEGRAM_WEBHOOK_URL && env.STORYWATCH_ROLES.includes('bot')) {
      log.error('TELEGRAM_WEBHOOK_URL is set but HTTP_PORT=0: Telegram cannot reach the webhook');
    }
  } else {
    const health = createHealthChecks(app, {
      bots: roles.bots,
      ...(roles.lastSchedulerTick ? { lastSchedulerTick: roles.lastSchedulerTick } : {}),
      startedAt,
    });
    shutdown.add('health probe', () => health.close());
    const routesRedis = app.redis('metrics-routes');
    const metrics = createMetricsRegistry({
      sql: app.database.sql,
      timeZone: env.STORYWATCH_TIMEZONE,
      routes: () => readRouteView(routesRedis, `${env.QUEUE_PREFIX}:checker`),
      queues: () => roles.queues,
      bots: roles.bots,
      ...(roles.lastSchedulerTick ? { lastSchedulerTick: roles.lastSchedulerTick } : {}),
    });
    const http = await startHttpServer({
      port: env.HTTP_PORT,
      host: env.HTTP_HOST,
      log,
      health: health.checks,
      metrics,
      routes: roles.routes,
    });
    shutdown.add('http server', () => http.stop());
  }
  log.info({ roles: env.STORYWATCH_ROLES }, 'storywatch started');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `storywatch failed to start: ${maskSecrets(err instanceof Error ? err.message : String(err))}\n`,
  );
  process.exit(1);
});

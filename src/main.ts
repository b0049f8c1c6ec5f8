import { createAppContext } from './app/context.js';
import { EnvError, loadEnv } from './config/env.js';
import { prepareDatabase } from './core/db/migrate.js';
import { createLogger } from './core/logger.js';
import { maskSecrets } from './core/mask.js';

async function main(): Promise<void> {
  let env: ReturnType<typeof loadEnv>;
  try {
    env = loadEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\nSee .env.example and README.md for every variable.\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: env.LOG_LEVEL });
  const { created } = await prepareDatabase(env.DATABASE_URL);
  log.info({ created }, created ? 'database created and migrated' : 'database migrated');
  if (!env.CREDENTIALS_KEY) {
    log.warn(
      'CREDENTIALS_KEY is not set: proxies with passwords and Instagram sessions cannot be stored until it is',
    );
  }
  const app = createAppContext(env, log);
  if (!env.TELEGRAM_BOT_TOKEN) log.warn('Telegram front-end not configured (set TELEGRAM_BOT_TOKEN)');
  if (!env.DISCORD_TOKEN) log.warn('Discord front-end not configured (set DISCORD_TOKEN)');
  log.info({ roles: env.STORYWATCH_ROLES }, 'storywatch started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // Keep the process alive until the roles exist to do so themselves.
  setInterval(() => {}, 1 << 30);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `storywatch failed to start: ${maskSecrets(err instanceof Error ? err.message : String(err))}\n`,
  );
  process.exit(1);
});

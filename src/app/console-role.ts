import { readFileSync } from 'node:fs';
import type { ConsoleBackend, ConsoleDeps, ConsoleOutput } from '../bot/console/run-console.js';
import { runConsole } from '../bot/console/run-console.js';
import type { CommandBase } from '../bot/shared/command-context.js';
import { type Env, EnvError, loadDotEnvFile, loadEnv } from '../config/env.js';
import { prepareDatabase } from '../core/db/migrate.js';
import { createLogger } from '../core/logger.js';
import { maskSecrets } from '../core/mask.js';
import { runDemo } from '../demo/run-demo.js';
import { createAppContext } from './context.js';
import { resolveCredentialsKey } from './credentials-key.js';
import { demoHost } from './demo-host.js';
import { logOutput } from './log-output.js';
import { createCommandServices } from './services.js';
import { postgresHint, untilReachable } from './wait-for-services.js';

/** A console command that needs Redis fails after this long without it, instead of waiting on. */
const REDIS_CHECK_MS = 5_000;

/**
 * `storywatch ...`: one command line against this machine's configuration. The front-end
 * (src/bot/console) translates the words and prints the reply; this is where it gets a database and
 * services. Returns the exit code.
 */
export function runConsoleCommand(argv: readonly string[], io?: ConsoleOutput): Promise<number> {
  const words = argv.filter((w) => w !== '--json');
  if (words.length === 1 && (words[0] === '--version' || words[0] === '-v')) {
    const text = argv.includes('--json')
      ? JSON.stringify({ version: packageVersion() })
      : `storywatch ${packageVersion()}`;
    (io?.out ?? ((t: string) => process.stdout.write(`${t}\n`)))(text);
    return Promise.resolve(0);
  }
  if (argv[0] === 'demo') return runDemoCommand(argv.slice(1), io);
  // Asked for in the shell, not inherited from the service's .env (which sets info for the service).
  const logLevelAsked = process.env.LOG_LEVEL !== undefined;
  const deps: ConsoleDeps = {
    configure() {
      try {
        loadDotEnvFile();
        return consoleBackend(loadEnv(), logLevelAsked);
      } catch (err) {
        if (err instanceof EnvError)
          return { problem: `${err.message}\nSee .env.example and README.md for every variable.` };
        throw err;
      }
    },
  };
  return runConsole(argv, deps, io);
}

function consoleBackend(env: Env, logLevelAsked: boolean): ConsoleBackend {
  return {
    async registerDiscord() {
      // Loaded here only: the other commands do without discord.js.
      const { registerDiscordCommands } = await import('../bot/discord/register.js');
      const application = {
        token: env.DISCORD_TOKEN,
        applicationId: env.DISCORD_APPLICATION_ID,
        guildId: env.DISCORD_GUILD_ID,
        apiUrl: env.DISCORD_API_URL,
      };
      return registerDiscordCommands(application, { log: createLogger({ level: 'warn' }, process.stderr) });
    },
    withCommandBase: (work) => withCommandBase(env, logLevelAsked, work),
  };
}

/** Opens the app for one command (Postgres must answer now), runs `work`, and closes everything. */
async function withCommandBase<T>(
  env: Env,
  logLevelAsked: boolean,
  work: (base: CommandBase) => Promise<T>,
): Promise<T> {
  // Logs go to stderr so stdout stays the reply (and parseable with --json); quiet unless asked.
  const log = createLogger(
    { level: logLevelAsked ? env.LOG_LEVEL : 'warn' },
    logOutput(env.LOG_FORMAT, process.stderr),
  );
  // A shell user wants the reason now, not a wait: no retries, but the same hints as the service.
  await untilReachable('Postgres', () => prepareDatabase(env.DATABASE_URL), postgresHint(env.DATABASE_URL), {
    log,
    timeoutMs: 0,
  });
  const app = createAppContext(env, log);
  try {
    // The same key as the service: CREDENTIALS_KEY, or the key file (created here when this runs first).
    app.core.credentialsKey = await resolveCredentialsKey(env, app.core, log);
    const { services, close } = createCommandServices(app, { redisCheckMs: REDIS_CHECK_MS });
    try {
      return await work({ core: app.core, services });
    } finally {
      await close();
    }
  } finally {
    await app.close();
  }
}

const DEMO_USAGE = `Usage: storywatch demo [--keep]  (or npm run demo [-- --keep])
  Runs the whole workflow against a simulated Instagram on this machine, on a database and Redis
  prefix of its own. --keep leaves it running afterwards so you can try commands on it.`;

/**
 * `storywatch demo` (and `npm run demo`): the walkthrough of src/demo, composed here. Postgres and Redis
 * are those of DATABASE_URL / REDIS_URL (this machine by default); everything else is the demo's own.
 */
async function runDemoCommand(args: readonly string[], io?: ConsoleOutput): Promise<number> {
  const out = io?.out ?? ((t: string) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`));
  if (args.includes('--help') || args.includes('-h')) {
    out(DEMO_USAGE);
    return 0;
  }
  const unknown = args.find((a) => a !== '--keep');
  if (unknown !== undefined) {
    (io?.err ?? ((t: string) => process.stderr.write(`${t}\n`)))(
      `Error: the demo takes --keep only; got ${maskSecrets(unknown)}.\n${DEMO_USAGE}`,
    );
    return 2;
  }
  try {
    loadDotEnvFile();
  } catch (err) {
    if (err instanceof EnvError) {
      (io?.err ?? out)(err.message);
      return 2;
    }
    throw err;
  }
  // The progress bar redraws in place on a terminal; the demo prints everything on stdout.
  const consoleIo: ConsoleOutput = io ?? {
    out,
    err: out,
    progress: { isTTY: process.stdout.isTTY === true, write: (t) => process.stdout.write(t) },
  };
  return runDemo(demoHost(process.env, consoleIo), {
    keep: args.includes('--keep'),
    out,
    stop: () =>
      new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  });
}

/** The `version` of package.json, which `storywatch --version` prints. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

import { userInfo } from 'node:os';
import { isAbsolute } from 'node:path';
import { createAppContext } from '../../app/context.js';
import { postgresHint, untilReachable } from '../../app/wait-for-services.js';
import { type Env, EnvError, loadDotEnvFile, loadEnv } from '../../config/env.js';
import { prepareDatabase } from '../../core/db/migrate.js';
import { createLogger } from '../../core/logger.js';
import { containsCredentials, maskSecrets } from '../../core/mask.js';
import { parseProxyList } from '../../core/proxies/parse-proxy.js';
import { type Reply, renderPlain } from '../../reply/reply.js';
import { dispatch, type Invocation } from '../commands/dispatch.js';
import { parseWords, usageLine } from '../commands/parse-words.js';
import { wordsToLines } from '../commands/proxy.js';
import { commands, commandsUnder, findCommand } from '../commands/registry.js';
import type { AnyCommand, IncomingFile } from '../commands/types.js';
import { baseDir, consoleFile, fileWord, readSecretFile, readSecretStdin } from './console-file.js';
import { consoleServices } from './services.js';

const PREFIX = 'storywatch ';

export interface ConsoleOutput {
  out(text: string): void;
  err(text: string): void;
}

const stdio: ConsoleOutput = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

/**
 * Console commands whose argument is a secret. Words typed after a command stay in the shell history,
 * show in `ps` and are printed again by npm's banner, so these take the secret from standard input
 * or `--file PATH` only (the chat front-ends are unchanged: Telegram deletes the message).
 */
interface SecretInput {
  /** The argument the text goes to. */
  arg: string;
  /** What is refused on the command line, in a sentence. */
  what: string;
  /** What is read from standard input or the file. */
  noun: string;
  /** How to give it, one line each. */
  forms: readonly string[];
  usage: string;
  /** Words that carry no secret and may stay on the command line (proxies without a password). */
  harmless(words: readonly string[]): boolean;
}

const SECRET_INPUTS: Readonly<Record<string, SecretInput>> = {
  'proxy add': {
    arg: 'proxies',
    what: 'proxy passwords',
    noun: 'proxies (one per line)',
    forms: [`${PREFIX}proxy add < proxies.txt`, `${PREFIX}proxy add --file proxies.txt`],
    usage: `${PREFIX}proxy add < FILE  (or --file FILE; one proxy per line)`,
    harmless(words) {
      // Only complete proxies without a password: a line that cannot be read may be half a password.
      const { proxies, refused } = parseProxyList(wordsToLines(words));
      return refused.length === 0 && proxies.every((p) => p.proxy.password === null);
    },
  },
  'session add': {
    arg: 'cookie',
    what: 'session cookies',
    noun: 'cookie text',
    forms: [
      `${PREFIX}session add < cookies.txt`,
      `${PREFIX}session add --file cookies.txt`,
      `echo 'sessionid=...; csrftoken=...; ds_user_id=...' | ${PREFIX}session add`,
    ],
    usage: `${PREFIX}session add < FILE  (or --file FILE; the cookie text)`,
    harmless: () => false,
  },
};

function secretInputOf(command: AnyCommand): SecretInput | undefined {
  return SECRET_INPUTS[command.path.join(' ')];
}

function consoleUsage(c: AnyCommand): string {
  return secretInputOf(c)?.usage ?? usageLine(c, PREFIX);
}

function secretHint(spec: SecretInput, lead: string): string {
  return [lead, 'Use standard input or --file instead:', ...spec.forms.map((f) => `  ${f}`)].join('\n');
}

/**
 * The secret text of a `proxy add` / `session add` from standard input or `--file PATH`. Refuses a
 * secret among the words without repeating it, and a terminal with nothing piped in (reading it would
 * wait for typing nobody asked for). Undefined values: the words are used as typed (no secret in them).
 */
async function readSecretInput(
  command: AnyCommand,
  spec: SecretInput,
  words: readonly string[],
): Promise<{ values?: Record<string, unknown>; refusal?: { text: string; code: number } }> {
  const name = command.path.join(' ');
  const paths: string[] = [];
  const others: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--file') {
      const path = words[i + 1];
      if (path === undefined)
        return { refusal: { text: secretHint(spec, `Error: --file needs a path.`), code: 2 } };
      paths.push(path);
      i++;
    } else if (w.startsWith('--file=')) paths.push(w.slice('--file='.length));
    else others.push(w);
  }
  if (others.length > 0) {
    if (paths.length === 0 && spec.harmless(others)) return {};
    return {
      refusal: {
        text: secretHint(
          spec,
          `Error: \`${name}\` does not take ${spec.what} as arguments: the shell history, \`ps\` and npm's banner would keep them. Refused ${others.length} ${others.length === 1 ? 'word' : 'words'} (not repeated here); nothing was stored.`,
        ),
        code: 2,
      },
    };
  }
  if (paths.length > 1)
    return { refusal: { text: `Error: Give one file at a time (got ${paths.length}).`, code: 2 } };
  const path = paths[0];
  const read = path !== undefined ? await readSecretFile(path) : await readSecretStdin();
  if (read === undefined) {
    return {
      refusal: {
        text: secretHint(
          spec,
          `Error: \`${name}\` reads the ${spec.noun} from standard input or a file, and standard input is a terminal with nothing piped in.`,
        ),
        code: 2,
      },
    };
  }
  if ('problem' in read) return { refusal: { text: `Error: ${read.problem}`, code: 1 } };
  if (read.text.trim() === '') {
    return {
      refusal: {
        text: secretHint(
          spec,
          `Error: ${path !== undefined ? `The file "${path}" is empty` : 'Standard input was empty'}; nothing was stored.`,
        ),
        code: 2,
      },
    };
  }
  return { values: { [spec.arg]: read.text } };
}

export function helpListing(): string {
  const lines = commands.map((c) => `  ${consoleUsage(c)}\n      ${c.summary}`);
  return [
    'Usage: storywatch COMMAND [ARGS] [--json]',
    '',
    ...lines,
    `  ${PREFIX}discord register`,
    '      Register the slash commands with Discord (DISCORD_TOKEN, DISCORD_APPLICATION_ID)',
    '',
    'Add --help after a command for its arguments; --json prints the machine-readable result.',
  ].join('\n');
}

function commandHelp(c: AnyCommand): string {
  const secret = secretInputOf(c);
  const lines = [`Usage: ${consoleUsage(c)}`, `  ${c.summary}`];
  if (secret) {
    lines.push(
      `  Read from standard input or --file, never from the command line (${secret.what} there stay in the shell history):`,
      ...secret.forms.map((f) => `    ${f}`),
    );
  }
  for (const a of c.args) {
    const how = a.type === 'file' ? 'a file path' : a.keyword ? `--${a.name} VALUE` : a.name.toUpperCase();
    lines.push(`  ${how}: ${a.description}${a.required ? '' : ' (optional)'}`);
  }
  return lines.join('\n');
}

function isErrorReply(r: Reply): boolean {
  return r.blocks.some((b) => b.type === 'text' && b.tone === 'error');
}

/** Pulls a path for the command's file argument out of the words: `--file PATH` or a word naming a file. */
async function extractFile(
  command: AnyCommand,
  words: string[],
): Promise<{ words: string[]; file?: IncomingFile; problem?: string }> {
  if (!command.args.some((a) => a.type === 'file')) return { words };
  // `--file PATH` wherever it stands; then the single-word arguments before the list (the niche of
  // `import NICHE ...`) are never paths: a niche may well be called "gym/health".
  const paths: string[] = [];
  const others: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--file' && i + 1 < words.length) paths.push(words[++i] ?? '');
    else if (w.startsWith('--file=')) paths.push(w.slice('--file='.length));
    else others.push(w);
  }
  const fixed = command.args.findIndex((a) => a.type === 'rest' || a.type === 'file' || a.keyword);
  const skip = Math.max(0, fixed === -1 ? command.args.length : fixed);
  const rest: string[] = others.slice(0, skip);
  for (const w of others.slice(skip)) {
    const kind = await fileWord(w);
    if (kind === 'file') paths.push(w);
    else if (kind === 'missing')
      return {
        words,
        problem: isAbsolute(w) ? `No file "${w}".` : `No file "${w}" (paths are relative to ${baseDir()}).`,
      };
    else rest.push(w);
  }
  if (paths.length > 1) return { words, problem: `Give one file at a time (got ${paths.join(', ')}).` };
  const path = paths[0];
  if (path === undefined) return { words: rest };
  if ((await fileWord(path)) !== 'file') return { words, problem: `No file "${path}".` };
  return { words: rest, file: await consoleFile(path) };
}

async function withApp<T>(
  env: Env,
  logLevelAsked: boolean,
  run: (app: ReturnType<typeof createAppContext>) => Promise<T>,
): Promise<T> {
  // Logs go to stderr so stdout stays the reply (and parseable with --json); quiet unless asked.
  const log = createLogger({ level: logLevelAsked ? env.LOG_LEVEL : 'warn' }, process.stderr);
  // A shell user wants the reason now, not a wait: no retries, but the same hints as the service.
  await untilReachable('Postgres', () => prepareDatabase(env.DATABASE_URL), postgresHint(env.DATABASE_URL), {
    log,
    timeoutMs: 0,
  });
  const app = createAppContext(env, log);
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}

async function discordRegister(env: Env, json: boolean, io: ConsoleOutput): Promise<number> {
  const { registerDiscordCommands } = await import('../discord/register.js');
  try {
    const result = await registerDiscordCommands(env, {
      log: createLogger({ level: 'warn' }, process.stderr),
    });
    if (json) io.out(JSON.stringify(result, null, 2));
    else
      io.out(
        result.changed
          ? `Registered ${result.count} commands (${result.scope}).`
          : `Discord already has these ${result.count} commands (${result.scope}); nothing changed.`,
      );
    return 0;
  } catch (err) {
    const message = `Error: ${maskSecrets(err instanceof Error ? err.message : String(err))}`;
    io.err(json ? JSON.stringify({ error: message.replace(/^Error: /, ''), data: null }, null, 2) : message);
    return 1;
  }
}

/** Runs one command line; returns the exit code (0 ok, 1 refused or failed, 2 usage or configuration). */
export async function runConsole(argv: readonly string[], io: ConsoleOutput = stdio): Promise<number> {
  const json = argv.includes('--json');
  const words = argv.filter((w) => w !== '--json');
  // With --json every answer is JSON, refusals included, so a script can always parse what it gets.
  const refuse = (text: string, code: number): number => {
    io.err(json ? JSON.stringify({ error: text.replace(/^Error: /, ''), data: null }, null, 2) : text);
    return code;
  };
  // Asked for in the shell, not inherited from the service's .env (which sets info for the service).
  const logLevelAsked = process.env.LOG_LEVEL !== undefined;
  const wantsHelp = words.includes('--help') || words.includes('-h');
  if (words.length === 0 || ((words[0] === '--help' || words[0] === '-h') && words.length === 1)) {
    io.out(helpListing());
    return 0;
  }

  const first = words[0]?.toLowerCase();
  const isDiscordRegister = first === 'discord' && words[1]?.toLowerCase() === 'register';
  const found = isDiscordRegister ? undefined : findCommand(words);
  if (!found && !isDiscordRegister) {
    const under = first ? commandsUnder(first) : [];
    const given = words.slice(0, 2).join(' ');
    const shown = containsCredentials(given) ? `${first} …` : maskSecrets(given);
    const head =
      under.length > 0
        ? `"${shown}" is not a command. ${first} has: ${under.map((c) => c.path.join(' ')).join(', ')}.`
        : `Unknown command "${maskSecrets(words[0] ?? '')}".`;
    return refuse(json ? head : `${head}\n\n${helpListing()}`, 2);
  }
  // `help` needs no database: the listing is the registry's, in the console's own spelling (--sort).
  if (found?.command.path.length === 1 && found.command.path[0] === 'help' && !json) {
    io.out(helpListing());
    return 0;
  }
  if (wantsHelp) {
    io.out(found ? commandHelp(found.command) : `Usage: ${PREFIX}discord register`);
    return 0;
  }
  // Before the configuration is read: a secret typed as an argument is refused whatever else is wrong.
  const secret = found ? secretInputOf(found.command) : undefined;
  let secretValues: Record<string, unknown> | undefined;
  if (found && secret) {
    const input = await readSecretInput(found.command, secret, words.slice(found.consumed));
    if (input.refusal) return refuse(input.refusal.text, input.refusal.code);
    secretValues = input.values;
  }

  let env: Env;
  try {
    loadDotEnvFile();
    env = loadEnv();
  } catch (err) {
    if (err instanceof EnvError)
      return refuse(`${err.message}\nSee .env.example and README.md for every variable.`, 2);
    throw err;
  }
  if (isDiscordRegister) return discordRegister(env, json, io);
  if (!found) return 2;

  const { command, consumed } = found;
  let inv: Invocation;
  if (secretValues) inv = { command, values: secretValues };
  else {
    const extracted = await extractFile(command, words.slice(consumed));
    if (extracted.problem)
      return refuse(`Error: ${extracted.problem}\nUsage: ${usageLine(command, PREFIX)}`, 1);
    const parsed = parseWords(command, extracted.words);
    inv = { command, values: parsed.values, unexpected: parsed.unexpected };
    if (extracted.file) inv.file = extracted.file;
  }

  const result = await withApp(env, logLevelAsked, async (app) => {
    const { services, close } = consoleServices(app);
    try {
      return await dispatch(
        inv,
        {
          core: app.core,
          actor: { platform: 'console', userId: userInfo().username, chatId: 'console' },
          services,
        },
        PREFIX,
      );
    } finally {
      await close();
    }
  });
  const failed = isErrorReply(result);
  const write = failed ? io.err : io.out;
  if (json) {
    const text = renderPlain(result);
    write(
      JSON.stringify(
        failed ? { error: text.replace(/^Error: /, ''), data: result.data ?? null } : (result.data ?? null),
        null,
        2,
      ),
    );
  } else {
    write(renderPlain(result));
  }
  return failed ? 1 : 0;
}

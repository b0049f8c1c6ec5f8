import { userInfo } from 'node:os';
import type { Batch } from '../../core/batches/index.js';
import { containsCredentials, maskSecrets } from '../../core/mask.js';
import { type Button, type Reply, renderPlain, reply, textBlock } from '../../reply/reply.js';
import { batchData, batchEndReply } from '../commands/batch.js';
import { dispatch, type Invocation } from '../commands/dispatch.js';
import { parseWords, usageLine } from '../commands/parse-words.js';
import { quoteWord } from '../commands/quote-word.js';
import { commandsUnder, findCommand } from '../commands/registry.js';
import type { Actor, AnyCommand } from '../commands/types.js';
import type { RegisterResult } from '../discord/register.js';
import { type CommandBase, commandContext } from '../shared/command-context.js';
import { extractFile } from './console-file.js';
import { commandHelp, helpListing } from './console-help.js';
import { consoleProgress } from './console-progress.js';
import { saveReplyFiles, takeOutOption } from './console-save.js';
import { followBatch, type ProgressSink } from './follow-batch.js';
import { consoleUsage, PREFIX, readSecretInput, secretInputOf } from './secret-input.js';

export { helpListing } from './console-help.js';

export interface ConsoleOutput {
  out(text: string): void;
  err(text: string): void;
  /** Where `--follow` draws its progress bar; absent, a line per step goes to `err`. */
  progress?: ProgressSink;
}

const stdio: ConsoleOutput = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  progress: { isTTY: process.stderr.isTTY === true, write: (t) => process.stderr.write(t) },
};

export interface ConsoleRunOptions {
  /** Stops following a batch (`--follow`); Ctrl-C when absent. The batch itself goes on. */
  interrupt?: AbortSignal;
  /** How often `--follow` reads the batch (default 250 ms). */
  followPollMs?: number;
  /** The worker runs in this process (the demo): a batch does not go on once it stops following. */
  workerInProcess?: boolean;
}

/** Exit code of a follow stopped by Ctrl-C (128 + SIGINT, as shells report it). */
const INTERRUPTED = 130;
const FOLLOW_ONLY = `Error: --follow works with batch run only: ${PREFIX}batch run NICHE COUNT --follow`;

/** What a configured console process can do for a command line. */
export interface ConsoleBackend {
  /** Registers the slash commands with Discord (`storywatch discord register`). */
  registerDiscord(): Promise<RegisterResult>;
  /** Runs `work` with the database and the command services, released when it is done. */
  withCommandBase<T>(work: (base: CommandBase) => Promise<T>): Promise<T>;
}

export interface ConsoleDeps {
  /**
   * Reads the configuration, only once a command needs it: help and a refused secret need none.
   * A problem is printed as it is, and the exit code is 2.
   */
  configure(): ConsoleBackend | { problem: string };
}

type Refuse = (text: string, code: number) => number;

interface Found {
  command: AnyCommand;
  consumed: number;
}

/** What a command line asks for once the words that need no configuration are dealt with. */
type Plan =
  | { exit: number }
  | { discordRegister: true }
  | { found: Found; secretValues?: Record<string, unknown> };

/** Runs one command line; returns the exit code (0 ok, 1 refused or failed, 2 usage or configuration). */
export async function runConsole(
  argv: readonly string[],
  deps: ConsoleDeps,
  io: ConsoleOutput = stdio,
  options: ConsoleRunOptions = {},
): Promise<number> {
  const json = argv.includes('--json');
  const follow = argv.includes('--follow');
  const outOption = takeOutOption(argv.filter((w) => w !== '--json' && w !== '--follow'));
  const words = outOption.words;
  // With --json every answer is JSON, refusals included, so a script can always parse what it gets.
  const refuse: Refuse = (text, code) => {
    io.err(json ? JSON.stringify({ error: text.replace(/^Error: /, ''), data: null }, null, 2) : text);
    return code;
  };
  const plan = await planLine(words, json, io, refuse);
  if ('exit' in plan) return plan.exit;
  if (outOption.problem) return refuse(`Error: ${outOption.problem}`, 2);
  if (follow && !('found' in plan && plan.found.command.path.join(' ') === 'batch run'))
    return refuse(FOLLOW_ONLY, 2);
  const backend = deps.configure();
  if ('problem' in backend) return refuse(backend.problem, 2);
  if ('discordRegister' in plan) return discordRegister(backend, json, io);
  const inv = await invocationOf(plan.found, plan.secretValues, words, refuse);
  if (typeof inv === 'number') return inv;
  const actor: Actor = {
    platform: 'console',
    userId: userInfo().username,
    chatId: 'console',
    commandPrefix: PREFIX,
    noChat: true,
    typesInShell: true,
    // With --follow the progress is drawn here, so the reply says so instead of "follow it with status".
    seesProgress: follow,
  };
  const result = await backend.withCommandBase(async (base) => {
    // A long command (an import of a large file) says how far it is on stderr; stdout stays the reply.
    const told = consoleProgress(io.progress ?? { isTTY: false, write: (t) => io.err(t.replace(/\n$/, '')) });
    const answer = await dispatch(inv, {
      ...commandContext(base, actor, base.core.log),
      onProgress: told.update,
    });
    told.done();
    return follow ? followAfter(base, answer, json, io, options) : { reply: answer, interrupted: false };
  });
  // A file the reply carries on disk (an export) goes to --out; with `--out -` the words go to stderr.
  const saved = await saveReplyFiles(result.reply, outOption.out);
  const code = printResult(saved.reply, json, saved.toStdout ? { out: io.err, err: io.err } : io);
  return result.interrupted ? INTERRUPTED : code;
}

/** Ctrl-C while following: stop following (not the batch), and give the shell its prompt back. */
function interruptSignal(given: AbortSignal | undefined): { signal: AbortSignal; release(): void } {
  if (given) return { signal: given, release: () => {} };
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  return { signal: controller.signal, release: () => process.off('SIGINT', onInterrupt) };
}

/**
 * `batch run ... --follow`: prints the queued reply (not with --json: stdout stays one document), draws
 * the progress until the batch ends, and answers with its summary; Ctrl-C stops following only.
 */
async function followAfter(
  base: CommandBase,
  queued: Reply,
  json: boolean,
  io: ConsoleOutput,
  options: ConsoleRunOptions,
): Promise<{ reply: Reply; interrupted: boolean }> {
  const batchId = (queued.data as { batchId?: unknown } | undefined)?.batchId;
  if (isErrorReply(queued) || typeof batchId !== 'number') return { reply: queued, interrupted: false };
  if (!json) io.out(renderPlain(consoleView(queued)));
  const sink = io.progress ?? { isTTY: false, write: (t: string) => io.err(t.replace(/\n$/, '')) };
  const { signal, release } = interruptSignal(options.interrupt);
  try {
    const { batch, ended } = await followBatch(base.core, batchId, sink, {
      signal,
      ...(options.followPollMs ? { pollMs: options.followPollMs } : {}),
      ...(base.services.liveWorkers ? { liveWorkers: base.services.liveWorkers } : {}),
    });
    if (ended && batch) return { reply: await batchEndReply(base.core, batch), interrupted: false };
    return {
      reply: stoppedFollowing(batchId, batch, options.workerInProcess === true),
      interrupted: signal.aborted,
    };
  } finally {
    release();
  }
}

function stoppedFollowing(batchId: number, batch: Batch | undefined, workerInProcess: boolean): Reply {
  const id = quoteWord({ typesInShell: true }, `#${batchId}`);
  const text = workerInProcess
    ? `Stopped following batch #${batchId}; the worker of this process stops too, so the batch waits for the next worker that starts on this data.`
    : `Stopped following batch #${batchId}; the batch goes on. See it with \`${PREFIX}batch status\` (or \`${PREFIX}batch history\` once it ends); stop it with \`${PREFIX}batch cancel ${id}\`.`;
  return reply.of([textBlock(text, 'info')], {
    data: { ...(batch ? batchData(batch) : { id: batchId }), following: false },
  });
}

/** Help, unknown commands and secrets typed as words: everything answered before the configuration is read. */
async function planLine(words: string[], json: boolean, io: ConsoleOutput, refuse: Refuse): Promise<Plan> {
  const wantsHelp = words.includes('--help') || words.includes('-h');
  if (words.length === 0 || ((words[0] === '--help' || words[0] === '-h') && words.length === 1)) {
    io.out(helpListing());
    return { exit: 0 };
  }
  const first = words[0]?.toLowerCase();
  const isDiscordRegister = first === 'discord' && words[1]?.toLowerCase() === 'register';
  const found = isDiscordRegister ? undefined : findCommand(words);
  if (!found && !isDiscordRegister) return { exit: refuse(unknownCommand(words, json), 2) };
  // `help` needs no database: the listing is the registry's, in the console's own spelling (--sort).
  if (found?.command.path.length === 1 && found.command.path[0] === 'help' && !json) {
    io.out(helpListing());
    return { exit: 0 };
  }
  if (wantsHelp) {
    io.out(found ? commandHelp(found.command) : `Usage: ${PREFIX}discord register`);
    return { exit: 0 };
  }
  if (!found) return { discordRegister: true };
  // Before the configuration is read: a secret typed as an argument is refused whatever else is wrong.
  const secret = secretInputOf(found.command);
  if (!secret) return { found };
  const input = await readSecretInput(found.command, secret, words.slice(found.consumed));
  if (input.refusal) return { exit: refuse(input.refusal.text, input.refusal.code) };
  return { found, ...(input.values ? { secretValues: input.values } : {}) };
}

function unknownCommand(words: readonly string[], json: boolean): string {
  const first = words[0]?.toLowerCase();
  const under = first ? commandsUnder(first) : [];
  const given = words.slice(0, 2).join(' ');
  const shown = containsCredentials(given) ? `${first} …` : maskSecrets(given);
  if (under.length === 0) {
    const head = `Unknown command "${maskSecrets(words[0] ?? '')}".`;
    return json ? head : `${head}\n\n${helpListing()}`;
  }
  const head =
    words.length === 1
      ? `${first} needs a subcommand: ${under.map((c) => c.path.join(' ')).join(', ')}.`
      : `"${shown}" is not a command. ${first} has: ${under.map((c) => c.path.join(' ')).join(', ')}.`;
  // The group's own commands only: the whole listing would bury the one line that answers.
  const usage = under.map((c) => `  ${consoleUsage(c)}\n      ${c.summary}`);
  return json ? head : [head, '', ...usage, '', `Add --help after a command for its arguments.`].join('\n');
}

/** The invocation the words make (a file argument read from a path), or the exit code of a refusal. */
async function invocationOf(
  found: Found,
  secretValues: Record<string, unknown> | undefined,
  words: readonly string[],
  refuse: Refuse,
): Promise<Invocation | number> {
  const { command, consumed } = found;
  if (secretValues) return { command, values: secretValues };
  const extracted = await extractFile(command, words.slice(consumed));
  if (extracted.problem)
    return refuse(`Error: ${extracted.problem}\nUsage: ${usageLine(command, PREFIX)}`, 1);
  const parsed = parseWords(command, extracted.words);
  const inv: Invocation = { command, values: parsed.values, unexpected: parsed.unexpected };
  if (extracted.file) inv.file = extracted.file;
  return inv;
}

function isErrorReply(r: Reply): boolean {
  return r.blocks.some((b) => b.type === 'text' && b.tone === 'error');
}

/** A button as the shell command that does what pressing it would: `storywatch profiles list fitness --page 2`. */
export function buttonCommand(button: Button): string | undefined {
  const command = findCommand(button.command.split(' '))?.command;
  if (!command) return undefined;
  const words = [`${PREFIX}${command.path.join(' ')}`];
  const given = (name: string) => button.args[name];
  for (const a of command.args) {
    const value = given(a.name);
    if (value === undefined || a.keyword) continue;
    words.push(quoteWord({ typesInShell: true }, String(value)));
  }
  for (const a of command.args) {
    const value = given(a.name);
    if (value !== undefined && a.keyword)
      words.push(`--${a.name}`, quoteWord({ typesInShell: true }, String(value)));
  }
  return words.join(' ');
}

/**
 * The reply as a shell shows it: one rendering of a list (the table, when it already holds the
 * usernames a chat offers as a copyable list too), and buttons as the commands that do the same.
 */
function consoleView(r: Reply): Reply {
  const tabled = new Set(
    r.blocks.flatMap((b) =>
      b.type === 'table' && b.columns[0] === 'username' ? [b.rows.map((row) => row[0]).join('\n')] : [],
    ),
  );
  // The table already lists the usernames; its title stays, as the heading the table would lack.
  const blocks = r.blocks.map((b) =>
    b.type === 'usernames' && tabled.has(b.usernames.join('\n'))
      ? textBlock(`${b.title} (${b.usernames.length}):`)
      : b,
  );
  const hints = (r.buttons ?? []).flatMap((btn) => {
    const line = buttonCommand(btn);
    return line ? [`${btn.label} page: ${line}`] : [];
  });
  if (hints.length > 0) blocks.push(textBlock(hints.join('\n')));
  const { buttons: _chatOnly, ...rest } = r;
  return { ...rest, blocks };
}

function printResult(result: Reply, json: boolean, io: ConsoleOutput): number {
  const failed = isErrorReply(result);
  const write = failed ? io.err : io.out;
  if (json) {
    const text = renderPlain(result);
    const body = failed
      ? { error: text.replace(/^Error: /, ''), data: result.data ?? null }
      : (result.data ?? null);
    write(JSON.stringify(body, null, 2));
  } else {
    write(renderPlain(consoleView(result)));
  }
  return failed ? 1 : 0;
}

async function discordRegister(backend: ConsoleBackend, json: boolean, io: ConsoleOutput): Promise<number> {
  try {
    const result = await backend.registerDiscord();
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

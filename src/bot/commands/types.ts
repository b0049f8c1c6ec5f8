import type { z } from 'zod';
import type { DoctorReport } from '../../checker/doctor.js';
import type { RouteView } from '../../checker/route-health.js';
import type { ProxyTestReport } from '../../checker/test-proxies.js';
import type { NextAutoBatch } from '../../core/auto-trigger.js';
import type { CoreDeps } from '../../core/deps.js';
import type { Reply } from '../../reply/reply.js';

export type Platform = 'console' | 'telegram' | 'discord' | 'web';

/** Who runs a command, and what their front-end can show: set by each front-end, read by handlers. */
export interface Actor {
  platform: Platform;
  userId: string;
  /** The chat or channel the command came from (the console uses 'console'). */
  chatId: string;
  /** How a command is written there (`/` in a chat, `storywatch ` in the shell), for usage lines. */
  commandPrefix: string;
  /** Batch progress is posted there and edited in place (a chat); elsewhere one has to ask for it. */
  seesProgress?: boolean;
  /** The platform shows each command's description while "/" is typed (Discord's picker). */
  describesCommands?: boolean;
  /** There is no chat to act on (the console): chat-only commands (`digest here`) are not offered. */
  noChat?: boolean;
  /** Commands are typed into a shell (the console): names in suggested commands are shell-quoted. */
  typesInShell?: boolean;
}

/** An uploaded file (Telegram document, Discord attachment, console path), read lazily. */
export interface IncomingFile {
  name: string;
  size: number;
  read(): Promise<Buffer>;
}

/**
 * Declares one argument so every front-end can offer it natively: Discord builds slash-command options
 * from it, Telegram and the console parse words with `parseWords`. The zod schema then validates.
 */
export interface ArgSpec {
  name: string;
  description: string;
  type: 'string' | 'integer' | 'rest' | 'file';
  required?: boolean;
  /** Optional positional words recognised by value (e.g. `active|deleted`). */
  choices?: readonly string[];
  /** Given as `name VALUE` (Telegram) or `--name VALUE` (console), anywhere after the positionals. */
  keyword?: boolean;
  min?: number;
  max?: number;
  /** Discord autocomplete source. */
  autocomplete?: 'niche' | 'niche-or-unassigned';
}

/** Long-running services a handler may need, wired by each process (absent where the role lacks them). */
export interface CommandServices {
  /** Puts a created batch on the queue; returns when it is queued. */
  enqueueBatch?(batchId: number): Promise<void>;
  /** Tests proxies by real requests from this process; `proxy test` renders the report. */
  testProxies?(proxyId?: number): Promise<ProxyTestReport>;
  /** ALLOW_DIRECT: batches may start without a usable proxy (absent means false). */
  allowDirect?: boolean;
  /** STORYWATCH_TIMEZONE: where "today" (daily targets, stories today) starts; absent means UTC. */
  timeZone?: string;
  /** Probes every Instagram route through every proxy and session (needs Redis and the proxies). */
  instagramDoctor?(): Promise<DoctorReport>;
  /** The routes' shared health, as every worker sees it. */
  instagramRoutes?(): Promise<RouteView[]>;
  /** Worker processes alive now (a batch waits for one). */
  liveWorkers?(): Promise<number>;
  /** When the next automatic batch run is planned, in words. */
  nextAutoRun?(): Promise<string>;
  /** Where the web panel is reached (STORYWATCH_PUBLIC_URL, else this machine's HTTP port); absent: not served. */
  panelUrl?: string;
  /** When the scheduler runs the next automatic batches (`target list` shows it in local time). */
  nextAutoBatch?(): Promise<NextAutoBatch>;
}

/** How far a long command is: `done` of `total` `unit` ("Importing into fitness: 40,000 of 200,000 usernames"). */
export interface ProgressUpdate {
  what: string;
  done: number;
  total: number;
  unit: string;
}

export interface CommandContext {
  core: CoreDeps;
  actor: Actor;
  services: CommandServices;
  /** Told how far a long command is while it runs, where the front-end can show it (the console's stderr). */
  onProgress?(update: ProgressUpdate): void;
}

export interface CommandDef<S extends z.ZodType = z.ZodType> {
  /** e.g. ['niche', 'add'] or ['stats']. */
  path: readonly [string] | readonly [string, string];
  summary: string;
  args: readonly ArgSpec[];
  schema: S;
  /** Carries credentials: Telegram deletes the source message, Discord answers ephemerally. */
  sensitive?: boolean;
  /** May take more than a second (Discord defers first). */
  slow?: boolean;
  /** Acts on the chat it is sent in (`digest here`): the console has no chat to offer. */
  chatOnly?: boolean;
  handler(input: z.infer<S>, ctx: CommandContext): Promise<Reply>;
}

/** Erases the schema type for storage in a registry; handlers are only called after schema.parse. */
export type AnyCommand = CommandDef<z.ZodType>;

export function defineCommand<S extends z.ZodType>(def: CommandDef<S>): AnyCommand {
  return def as unknown as AnyCommand;
}

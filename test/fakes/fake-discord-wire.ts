import type { IncomingMessage } from 'node:http';

/**
 * Discord API shapes the fake produces and checks: snowflakes, messages, registered commands, and the
 * validation Discord applies to a bulk command overwrite (so a command set the fake accepts is one
 * Discord would accept too).
 */

let lastSnowflake = 1_300_000_000_000_000_000n;

/** Increasing, unique, 19-digit ids, like Discord's. */
export function snowflake(): string {
  lastSnowflake += BigInt(1 + Math.floor(Math.random() * 1000));
  return lastSnowflake.toString();
}

export interface FakeUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
}

export function fakeUser(id: string, username = `user${id.slice(-4)}`): FakeUser {
  return { id, username, discriminator: '0', global_name: username, avatar: null };
}

export interface FakeAttachment {
  id: string;
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface MessageSnapshot {
  content: string;
  components: unknown[];
  attachments: Array<{ id: string; filename: string; text: string }>;
  flags: number;
}

/** A message the bot produced (channel message, interaction response or follow-up), with its edits. */
export interface FakeMessage {
  id: string;
  channelId: string;
  via: 'channel' | 'interaction' | 'followup';
  /** The interaction whose response this is (interaction / follow-up messages). */
  interactionId?: string;
  content: string;
  components: unknown[];
  attachments: FakeAttachment[];
  flags: number;
  /** Every state the message went through, first post included. */
  history: MessageSnapshot[];
  createdAt: string;
  editedAt: string | null;
  /** Deleted by the bot (the record stays so tests can see what was shown before). */
  deleted?: boolean;
}

export const EPHEMERAL = 1 << 6;
export const LOADING = 1 << 7;

export function snapshot(m: FakeMessage): MessageSnapshot {
  return {
    content: m.content,
    components: m.components,
    attachments: m.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      text: a.content.toString('utf8'),
    })),
    flags: m.flags,
  };
}

export function messageJson(m: FakeMessage, baseUrl: string, author: FakeUser, applicationId: string) {
  return {
    id: m.id,
    channel_id: m.channelId,
    type: m.via === 'channel' ? 0 : 20,
    content: m.content,
    author,
    attachments: m.attachments.map((a) => attachmentJson(a, baseUrl)),
    embeds: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: m.createdAt,
    edited_timestamp: m.editedAt,
    flags: m.flags,
    components: m.components,
    ...(m.via === 'channel' ? {} : { application_id: applicationId, webhook_id: applicationId }),
  };
}

export function attachmentJson(a: FakeAttachment, baseUrl: string) {
  const url = `${baseUrl}/attachments/${a.id}/${encodeURIComponent(a.filename)}`;
  return {
    id: a.id,
    filename: a.filename,
    size: a.content.length,
    url,
    proxy_url: url,
    content_type: a.contentType,
  };
}

export interface CommandOptionJson {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  min_value?: number;
  max_value?: number;
  choices?: Array<{ name: string; value: string | number }>;
  options?: CommandOptionJson[];
}

export interface CommandJson {
  name: string;
  description: string;
  type?: number;
  default_member_permissions?: string | null;
  options?: CommandOptionJson[];
  [key: string]: unknown;
}

export interface RegisteredCommand extends CommandJson {
  id: string;
  application_id: string;
  version: string;
  guild_id?: string;
}

const NAME = /^[-_\p{Ll}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** What Discord's bulk overwrite rejects, as messages (empty when the set is acceptable). */
export function validateCommands(body: unknown): string[] {
  if (!Array.isArray(body)) return ['body must be an array'];
  const problems: string[] = [];
  if (body.length > 100) problems.push('more than 100 commands');
  const names = new Set<string>();
  for (const [i, raw] of body.entries()) {
    const cmd = raw as CommandJson;
    const where = `[${i}] ${cmd.name}`;
    if (names.has(cmd.name)) problems.push(`${where}: duplicate name`);
    names.add(cmd.name);
    checkNamed(cmd, where, problems);
    if (cmd.default_member_permissions !== undefined && cmd.default_member_permissions !== null) {
      if (!/^\d+$/.test(cmd.default_member_permissions))
        problems.push(`${where}: bad default_member_permissions`);
    }
    checkOptions(cmd.options ?? [], where, problems, 0);
  }
  return problems;
}

function checkNamed(x: { name: string; description: string }, where: string, problems: string[]) {
  if (typeof x.name !== 'string' || !NAME.test(x.name)) problems.push(`${where}: invalid name`);
  if (typeof x.description !== 'string' || x.description.length < 1 || x.description.length > 100)
    problems.push(`${where}: description must be 1-100 characters`);
}

function checkOptions(options: CommandOptionJson[], where: string, problems: string[], depth: number) {
  if (options.length > 25) problems.push(`${where}: more than 25 options`);
  let optionalSeen = false;
  const names = new Set<string>();
  for (const o of options) {
    const w = `${where}.${o.name}`;
    checkNamed(o, w, problems);
    if (names.has(o.name)) problems.push(`${w}: duplicate option name`);
    names.add(o.name);
    if (o.type === 1 || o.type === 2) {
      // Subcommands sit at most under one group; groups only at the top.
      if ((o.type === 1 && depth > 1) || (o.type === 2 && depth > 0)) problems.push(`${w}: nested too deep`);
      checkOptions(o.options ?? [], w, problems, depth + 1);
      continue;
    }
    if (![3, 4, 5, 6, 7, 8, 9, 10, 11].includes(o.type)) problems.push(`${w}: unknown option type ${o.type}`);
    if (o.required) {
      if (optionalSeen) problems.push(`${w}: required options must come before optional ones`);
    } else optionalSeen = true;
    if (o.autocomplete && o.choices?.length) problems.push(`${w}: autocomplete cannot have choices`);
    if (o.choices && o.choices.length > 25) problems.push(`${w}: more than 25 choices`);
    if ((o.min_value !== undefined || o.max_value !== undefined) && o.type !== 4 && o.type !== 10)
      problems.push(`${w}: min/max only on numbers`);
  }
}

/** An error answer in Discord's shape: `{ message, code }` with an HTTP status. */
export class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ParsedBody {
  json: unknown;
  files: Array<{ field: string; name: string; content: Buffer; contentType: string }>;
}

/** Reads a JSON or multipart (payload_json + files[n]) body, as discord.js sends them. */
export async function readBody(req: IncomingMessage): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { json: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: ParsedBody['files'] = [];
    let json: unknown;
    for (const [field, value] of form.entries()) {
      if (field === 'payload_json' && typeof value === 'string') json = JSON.parse(value);
      else if (typeof value !== 'string')
        files.push({
          field,
          name: value.name,
          content: Buffer.from(await value.arrayBuffer()),
          contentType: value.type || 'application/octet-stream',
        });
    }
    return { json, files };
  }
  return { json: JSON.parse(raw.toString('utf8')), files: [] };
}

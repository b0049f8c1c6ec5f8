import { randomBytes } from 'node:crypto';
import type { FakeDiscord, ParsedBody, RecordedRequest } from './fake-discord.js';
import {
  attachmentJson,
  type CommandOptionJson,
  DiscordError,
  EPHEMERAL,
  type FakeAttachment,
  type FakeMessage,
  fakeUser,
  LOADING,
  snowflake,
} from './fake-discord-wire.js';

/** Discord's limit for the first answer to an interaction. */
export const ACK_DEADLINE_MS = 3_000;

export interface InteractionRecord {
  id: string;
  token: string;
  type: 2 | 3 | 4;
  payload: Record<string, unknown>;
  dispatchedAt: number;
  callbacks: Array<{ type: number; data: unknown; afterMs: number }>;
  /** The response message (commands) or the message the clicked button is on (components). */
  original?: FakeMessage;
  /** Edits made through the webhook after a deferral. */
  edits: number;
  followUps: FakeMessage[];
  /** What an autocomplete was answered with. */
  choices?: Array<{ name: string; value: string | number }>;
}

export interface SlashInput {
  command: string;
  subcommand?: string;
  options?: Record<string, string | number | FakeAttachment>;
  userId: string;
  channelId: string;
  guildId?: string;
}

/**
 * The interaction side of the fake: tests inject slash commands, autocompletes and button clicks
 * through the gateway, and the bot answers through the callback and webhook routes, which enforce
 * Discord's rules (one acknowledgement, within 3 s; edits only after it).
 */
export class InteractionRoutes {
  readonly all: InteractionRecord[] = [];

  constructor(private readonly fake: FakeDiscord) {}

  slash(input: SlashInput): InteractionRecord {
    const { options, resolved } = this.commandOptions(input, undefined);
    return this.dispatch(2, input, {
      id: this.commandId(input),
      name: input.command,
      type: 1,
      options,
      resolved,
    });
  }

  autocomplete(input: SlashInput & { focused: string; value: string }): InteractionRecord {
    const { options } = this.commandOptions(input, { name: input.focused, value: input.value });
    return this.dispatch(4, input, { id: this.commandId(input), name: input.command, type: 1, options });
  }

  click(message: FakeMessage, customId: string, userId: string, guildId?: string): InteractionRecord {
    const rec = this.dispatch(
      3,
      { userId, channelId: message.channelId, ...(guildId ? { guildId } : {}) },
      { custom_id: customId, component_type: 2 },
      { message: this.fake.messageJson(message) },
    );
    rec.original = message;
    return rec;
  }

  /** Waits until the interaction got its final answer (a reply, an update, choices, or a deferral and its edit or follow-up). */
  async done(rec: InteractionRecord, timeoutMs = 10_000): Promise<InteractionRecord> {
    return this.fake.waitFor(() => {
      const types = rec.callbacks.map((c) => c.type);
      if (types.some((t) => t === 4 || t === 7 || t === 8)) return rec;
      if (types.some((t) => t === 5 || t === 6) && (rec.edits > 0 || rec.followUps.length > 0)) return rec;
      return undefined;
    }, timeoutMs);
  }

  route(method: string, path: string, rec: RecordedRequest, parsed: ParsedBody) {
    const cb = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    if (cb && method === 'POST') return this.callback(cb[1]!, cb[2]!, rec, parsed);
    const hook = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/.exec(path);
    if (hook) return this.webhook(method, hook[1]!, hook[2]!, hook[3], parsed);
    return undefined;
  }

  private callback(id: string, token: string, rec: RecordedRequest, parsed: ParsedBody) {
    const it = this.all.find((i) => i.id === id && i.token === token);
    if (!it) throw new DiscordError(404, 10062, 'Unknown interaction');
    const afterMs = Date.now() - it.dispatchedAt;
    if (afterMs > ACK_DEADLINE_MS) throw new DiscordError(404, 10062, 'Unknown interaction');
    if (it.callbacks.length > 0)
      throw new DiscordError(400, 40060, 'Interaction has already been acknowledged.');
    const body = (parsed.json ?? {}) as { type: number; data?: Record<string, unknown> };
    const data = body.data ?? {};
    it.callbacks.push({ type: body.type, data, afterMs });
    const channelId = (it.payload.channel as { id: string }).id;
    if (body.type === 4 || body.type === 5) {
      const m = this.fake.newMessage(channelId, 'interaction', it.id);
      m.flags = (typeof data.flags === 'number' ? data.flags : 0) | (body.type === 5 ? LOADING : 0);
      this.fake.applyMessageBody(m, { ...data, flags: m.flags }, parsed.files, false);
      this.fake.messages.push(m);
      it.original = m;
    } else if (body.type === 7) {
      if (!it.original) throw new DiscordError(400, 40004, 'Not a component interaction');
      this.fake.applyMessageBody(it.original, data, parsed.files, true);
    } else if (body.type === 8) {
      const choices = (data.choices ?? []) as Array<{ name: string; value: string | number }>;
      if (choices.length > 25 || choices.some((c) => c.name.length < 1 || c.name.length > 100))
        throw new DiscordError(400, 50035, 'Invalid Form Body: choices');
      it.choices = choices;
    } else if (body.type !== 6) throw new DiscordError(400, 50035, `Unsupported callback type ${body.type}`);
    if (rec.query.with_response !== 'true') return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: it.id,
          type: it.type,
          response_message_id: it.original?.id,
          response_message_loading: body.type === 5,
          response_message_ephemeral: Boolean((it.original?.flags ?? 0) & EPHEMERAL),
        },
        ...(it.original && body.type !== 8
          ? { resource: { type: body.type, message: this.fake.messageJson(it.original) } }
          : {}),
      },
    };
  }

  private webhook(
    method: string,
    appId: string,
    token: string,
    messageId: string | undefined,
    parsed: ParsedBody,
  ) {
    const it = this.all.find((i) => i.token === token);
    if (!it || appId !== this.fake.applicationId) throw new DiscordError(404, 10015, 'Unknown Webhook');
    if (it.callbacks.length === 0) throw new DiscordError(404, 10015, 'Unknown Webhook');
    const body = (parsed.json ?? {}) as Record<string, unknown>;
    if (!messageId && method === 'POST') {
      const m = this.fake.newMessage((it.payload.channel as { id: string }).id, 'followup', it.id);
      m.flags = typeof body.flags === 'number' ? body.flags : 0;
      this.fake.applyMessageBody(m, body, parsed.files, false);
      this.fake.messages.push(m);
      it.followUps.push(m);
      return { status: 200, body: this.fake.messageJson(m) };
    }
    const m = messageId === '@original' ? it.original : it.followUps.find((f) => f.id === messageId);
    if (!m) throw new DiscordError(404, 10008, 'Unknown Message');
    if (m.deleted) throw new DiscordError(404, 10008, 'Unknown Message');
    if (method === 'GET') return { status: 200, body: this.fake.messageJson(m) };
    if (method === 'DELETE') {
      m.deleted = true;
      return { status: 204 };
    }
    if (method === 'PATCH') {
      m.flags &= ~LOADING;
      this.fake.applyMessageBody(m, body, parsed.files, true);
      if (m === it.original) it.edits++;
      return { status: 200, body: this.fake.messageJson(m) };
    }
    return undefined;
  }

  private commandId(input: SlashInput): string {
    return this.registered(input).id;
  }

  private registered(input: SlashInput) {
    const scoped = input.guildId ? this.fake.commands.get(input.guildId) : undefined;
    const cmd = (scoped ?? this.fake.commands.get('global'))?.find((c) => c.name === input.command);
    if (!cmd) throw new Error(`fake Discord: /${input.command} is not registered`);
    return cmd;
  }

  /** Types each given option from the registered command, as the Discord client would. */
  private commandOptions(input: SlashInput, focused: { name: string; value: string } | undefined) {
    const cmd = this.registered(input);
    let defs: CommandOptionJson[] = cmd.options ?? [];
    if (input.subcommand) {
      const sub = defs.find((o) => o.type === 1 && o.name === input.subcommand);
      if (!sub) throw new Error(`fake Discord: /${input.command} has no subcommand ${input.subcommand}`);
      defs = sub.options ?? [];
    }
    const options: Array<Record<string, unknown>> = [];
    const attachments: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(input.options ?? {})) {
      const def = defs.find((d) => d.name === name);
      if (!def) throw new Error(`fake Discord: option ${name} is not registered`);
      if (def.type === 11) {
        const file = value as FakeAttachment;
        attachments[file.id] = attachmentJson(file, this.fake.baseUrl);
        options.push({ name, type: 11, value: file.id });
        continue;
      }
      if (def.type === 4 && typeof value === 'number') {
        if (
          (def.min_value !== undefined && value < def.min_value) ||
          (def.max_value !== undefined && value > def.max_value)
        )
          throw new Error(`fake Discord: the Discord client would refuse ${name}=${value}`);
      }
      options.push({ name, type: def.type, value });
    }
    if (focused) {
      const def = defs.find((d) => d.name === focused.name);
      if (!def?.autocomplete) throw new Error(`fake Discord: option ${focused.name} has no autocomplete`);
      options.push({ name: focused.name, type: def.type, value: focused.value, focused: true });
    } else {
      for (const d of defs)
        if (d.required && !(d.name in (input.options ?? {})))
          throw new Error(`fake Discord: the Discord client requires ${d.name}`);
    }
    const wrapped = input.subcommand ? [{ type: 1, name: input.subcommand, options }] : options;
    return {
      options: wrapped,
      resolved: Object.keys(attachments).length > 0 ? { attachments } : undefined,
    };
  }

  private dispatch(
    type: 2 | 3 | 4,
    who: { userId: string; channelId: string; guildId?: string },
    data: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): InteractionRecord {
    const user = fakeUser(who.userId);
    const guildId = who.guildId;
    const payload: Record<string, unknown> = {
      id: snowflake(),
      application_id: this.fake.applicationId,
      type,
      token: `aW50ZXJhY3Rpb246${randomBytes(60).toString('base64url')}`,
      version: 1,
      data: JSON.parse(JSON.stringify(data)),
      channel_id: who.channelId,
      channel: guildId
        ? {
            id: who.channelId,
            type: 0,
            guild_id: guildId,
            name: 'storywatch',
            position: 0,
            permission_overwrites: [],
          }
        : { id: who.channelId, type: 1, recipients: [user] },
      ...(guildId
        ? {
            guild_id: guildId,
            member: {
              user,
              roles: [],
              permissions: '2251799813685247',
              joined_at: new Date().toISOString(),
              deaf: false,
              mute: false,
              flags: 0,
              pending: false,
              nick: null,
              avatar: null,
            },
          }
        : { user }),
      app_permissions: '2251799813685247',
      locale: 'en-US',
      ...(guildId ? { guild_locale: 'en-US' } : {}),
      entitlements: [],
      authorizing_integration_owners: {},
      context: guildId ? 0 : 1,
      attachment_size_limit: 10 * 1024 * 1024,
      ...extra,
    };
    const rec: InteractionRecord = {
      id: payload.id as string,
      token: payload.token as string,
      type,
      payload,
      dispatchedAt: Date.now(),
      callbacks: [],
      edits: 0,
      followUps: [],
    };
    this.all.push(rec);
    this.fake.gateway.dispatch('INTERACTION_CREATE', payload);
    return rec;
  }
}

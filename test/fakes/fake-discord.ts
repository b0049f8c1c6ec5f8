import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateway } from './fake-discord-gateway.js';
import { InteractionRoutes } from './fake-discord-interactions.js';
import {
  type CommandJson,
  DiscordError,
  EPHEMERAL,
  type FakeAttachment,
  type FakeMessage,
  fakeUser,
  messageJson,
  type ParsedBody,
  type RegisteredCommand,
  readBody,
  snapshot,
  snowflake,
  validateCommands,
} from './fake-discord-wire.js';
import { pollUntil } from './poll.js';

export type { InteractionRecord } from './fake-discord-interactions.js';
export type { FakeMessage, ParsedBody } from './fake-discord-wire.js';

/** One REST call as the fake received it. `body` is the JSON body or multipart `payload_json`. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  files: Array<{ field: string; name: string; text: string }>;
  authorized: boolean;
  status: number;
}

interface Failure {
  method?: string;
  path: RegExp;
  status: number;
  body: Record<string, unknown>;
  retryAfterS?: number;
  times: number;
}

/**
 * A fake Discord: REST under /api/v10 and a WebSocket gateway on one 127.0.0.1 port, for the real
 * discord.js client. It records every request, keeps the messages the bot produced (with their edit
 * history and attachments), validates command sets like Discord, sends rate-limit headers, fails on
 * demand (429 with Retry-After, 403 Missing Access, 404 Unknown Channel, 5xx), and lets tests inject
 * interactions (see fake-discord-interactions.ts).
 */
export class FakeDiscord {
  readonly token =
    `${Buffer.from(snowflake()).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
  readonly applicationId = snowflake();
  readonly botUser = { ...fakeUser(this.applicationId, 'storywatch'), bot: true };
  readonly requests: RecordedRequest[] = [];
  readonly messages: FakeMessage[] = [];
  /** Names of the hosted files the bot downloaded, in order. */
  readonly downloads: string[] = [];
  /** Registered command sets: 'global' or a guild id. */
  readonly commands = new Map<string, RegisteredCommand[]>();
  readonly gateway: FakeGateway;
  readonly interactions: InteractionRoutes;
  /** Requests per bucket per window; the headers tell the client how many are left. */
  bucketLimit = 50;

  private readonly server: Server;
  private readonly failures: Failure[] = [];
  private readonly channelStates = new Map<string, 'forbidden' | 'unknown'>();
  private readonly files = new Map<string, FakeAttachment>();
  private readonly buckets = new Map<string, { used: number; resetAt: number }>();

  private constructor(heartbeatIntervalMs: number) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, 500, { message: String(err), code: 0 });
      });
    });
    this.gateway = new FakeGateway(this.server, {
      token: this.token,
      botUser: this.botUser,
      applicationId: this.applicationId,
      url: () => this.gatewayUrl,
      heartbeatIntervalMs,
    });
    this.interactions = new InteractionRoutes(this);
  }

  static async start(options: { heartbeatIntervalMs?: number } = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options.heartbeatIntervalMs ?? 1_000);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** What DISCORD_API_URL points at (discord.js adds /v10). */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/gateway`;
  }

  async stop(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` requests matching fail with this status (429 carries Retry-After). */
  failNext(
    match: { method?: string; path: RegExp },
    failure: { status: number; body?: Record<string, unknown>; retryAfterS?: number; times?: number },
  ): void {
    const body =
      failure.body ??
      (failure.status === 429
        ? { message: 'You are being rate limited.', retry_after: failure.retryAfterS ?? 1, global: false }
        : { message: `${failure.status}: Server Error`, code: 0 });
    this.failures.push({ ...match, ...failure, body, times: failure.times ?? 1 });
  }

  /** Every later request to this channel answers 403 Missing Access or 404 Unknown Channel. */
  setChannelState(channelId: string, state: 'forbidden' | 'unknown'): void {
    this.channelStates.set(channelId, state);
  }

  /** Serves a file at the fake's own URL, as Discord's CDN serves uploaded attachments. */
  hostFile(filename: string, content: string | Buffer, contentType = 'text/plain; charset=utf-8') {
    const file: FakeAttachment = {
      id: snowflake(),
      filename,
      content: Buffer.isBuffer(content) ? content : Buffer.from(content),
      contentType,
    };
    this.files.set(file.id, file);
    return file;
  }

  messagesIn(channelId: string): FakeMessage[] {
    return this.messages.filter((m) => m.channelId === channelId);
  }

  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  waitFor<T>(check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return pollUntil(check, timeoutMs, 'fake Discord');
  }

  /** Builds a message from a create/edit body and its uploaded files (Discord's `attachments` rules). */
  applyMessageBody(m: FakeMessage, body: Record<string, unknown>, files: ParsedBody['files'], edit: boolean) {
    if (typeof body.content === 'string') m.content = body.content;
    else if (!edit) m.content = '';
    if (Array.isArray(body.components)) m.components = body.components;
    if (typeof body.flags === 'number') m.flags = (m.flags & EPHEMERAL) | (body.flags & ~EPHEMERAL);
    const uploaded = files.map((f) => ({
      id: snowflake(),
      filename: f.name,
      content: f.content,
      contentType: f.contentType,
    }));
    if (Array.isArray(body.attachments)) {
      // Listed ids keep existing attachments; small numeric ids refer to this request's uploads.
      const listed = body.attachments as Array<{ id: string | number; filename?: string }>;
      const kept = m.attachments.filter((a) => listed.some((l) => String(l.id) === a.id));
      const fresh = listed
        .map((l) => uploaded[Number(l.id)])
        .filter((a): a is FakeAttachment => a !== undefined);
      m.attachments = [...kept, ...fresh];
    } else if (edit) m.attachments = [...m.attachments, ...uploaded];
    else m.attachments = uploaded;
    if (m.content.length > 2000)
      throw new DiscordError(400, 50035, 'content: Must be 2000 or fewer in length.');
    if (m.content === '' && m.attachments.length === 0 && m.components.length === 0 && !(m.flags & 128))
      throw new DiscordError(400, 50006, 'Cannot send an empty message');
    if (edit) m.editedAt = new Date().toISOString();
    m.history.push(snapshot(m));
  }

  newMessage(channelId: string, via: FakeMessage['via'], interactionId?: string): FakeMessage {
    return {
      id: snowflake(),
      channelId,
      via,
      ...(interactionId ? { interactionId } : {}),
      content: '',
      components: [],
      attachments: [],
      flags: 0,
      history: [],
      createdAt: new Date().toISOString(),
      editedAt: null,
    };
  }

  messageJson(m: FakeMessage) {
    return messageJson(m, this.baseUrl, this.botUser, this.applicationId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const fileMatch = /^\/attachments\/(\d+)\/[^/]+$/.exec(url.pathname);
    if (req.method === 'GET' && fileMatch) {
      const file = this.files.get(fileMatch[1]!);
      if (!file) return this.send(res, 404, { message: 'Not found' });
      this.downloads.push(file.filename);
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.content.length });
      res.end(file.content);
      return;
    }
    if (!url.pathname.startsWith('/api/v10/'))
      return this.send(res, 404, { message: '404: Not Found', code: 0 });
    const path = decodeURIComponent(url.pathname.slice('/api/v10'.length));
    const method = req.method ?? 'GET';
    const parsed = await readBody(req);
    const rec: RecordedRequest = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body: parsed.json,
      files: parsed.files.map((f) => ({ field: f.field, name: f.name, text: f.content.toString('utf8') })),
      authorized: req.headers.authorization === `Bot ${this.token}`,
      status: 0,
    };
    this.requests.push(rec);
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      this.send(res, status, body, { ...this.rateLimitHeaders(method, path), ...headers });
    };

    const failure = this.failures.find((f) => (!f.method || f.method === method) && f.path.test(path));
    if (failure) {
      failure.times--;
      if (failure.times <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      const extra: Record<string, string> =
        failure.status === 429
          ? { 'retry-after': String(failure.retryAfterS ?? 1), 'x-ratelimit-scope': 'user' }
          : {};
      return reply(failure.status, failure.body, extra);
    }

    const publicRoute = /^\/(interactions|webhooks)\//.test(path);
    if (!publicRoute && !rec.authorized) return reply(401, { message: '401: Unauthorized', code: 0 });

    try {
      const answer = await this.route(method, path, rec, parsed);
      if (answer === undefined) return reply(404, { message: '404: Not Found', code: 0 });
      return reply(answer.status, answer.body);
    } catch (err) {
      if (err instanceof DiscordError) return reply(err.status, { message: err.message, code: err.code });
      throw err;
    }
  }

  private async route(
    method: string,
    path: string,
    rec: RecordedRequest,
    parsed: ParsedBody,
  ): Promise<{ status: number; body?: unknown } | undefined> {
    if (method === 'GET' && path === '/gateway/bot') {
      return {
        status: 200,
        body: {
          url: this.gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      };
    }
    const cmds = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path);
    if (cmds) {
      if (cmds[1] !== this.applicationId) throw new DiscordError(403, 50001, 'Missing Access');
      const scope = cmds[2] ?? 'global';
      if (method === 'GET') return { status: 200, body: this.commands.get(scope) ?? [] };
      if (method === 'PUT') return { status: 200, body: this.putCommands(scope, cmds[2], rec.body) };
    }
    const channel = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(path);
    if (channel) return this.channelMessages(method, channel[1]!, channel[2], parsed);
    return this.interactions.route(method, path, rec, parsed);
  }

  private putCommands(scope: string, guildId: string | undefined, body: unknown): RegisteredCommand[] {
    const problems = validateCommands(body);
    if (problems.length > 0) throw new DiscordError(400, 50035, `Invalid Form Body: ${problems.join('; ')}`);
    const previous = this.commands.get(scope) ?? [];
    // Discord keeps a command's id when a bulk overwrite names it again.
    const next = (body as CommandJson[]).map((c) => ({
      ...c,
      id: previous.find((p) => p.name === c.name)?.id ?? snowflake(),
      application_id: this.applicationId,
      version: snowflake(),
      ...(guildId ? { guild_id: guildId } : {}),
    }));
    this.commands.set(scope, next);
    return next;
  }

  private channelMessages(
    method: string,
    channelId: string,
    messageId: string | undefined,
    parsed: ParsedBody,
  ) {
    const state = this.channelStates.get(channelId);
    if (state === 'forbidden') throw new DiscordError(403, 50001, 'Missing Access');
    if (state === 'unknown') throw new DiscordError(404, 10003, 'Unknown Channel');
    const body = (parsed.json ?? {}) as Record<string, unknown>;
    if (method === 'POST' && !messageId) {
      const m = this.newMessage(channelId, 'channel');
      this.applyMessageBody(m, body, parsed.files, false);
      this.messages.push(m);
      return { status: 200, body: this.messageJson(m) };
    }
    if (method === 'PATCH' && messageId) {
      const m = this.messages.find((x) => x.id === messageId && x.channelId === channelId);
      if (!m || m.flags & EPHEMERAL) throw new DiscordError(404, 10008, 'Unknown Message');
      this.applyMessageBody(m, body, parsed.files, true);
      return { status: 200, body: this.messageJson(m) };
    }
    return undefined;
  }

  private rateLimitHeaders(method: string, path: string): Record<string, string> {
    // One bucket per route shape and major parameter, as Discord groups them.
    const major = /^\/(channels|guilds|webhooks|interactions)\/(\d+)/.exec(path)?.[0] ?? '';
    const shape = path.replace(/\d{5,}/g, ':id').replace(/\/[A-Za-z0-9_-]{40,}/g, '/:token');
    const key = `${method} ${shape} ${major}`;
    const now = Date.now();
    let b = this.buckets.get(key);
    if (!b || b.resetAt <= now) {
      b = { used: 0, resetAt: now + 1_000 };
      this.buckets.set(key, b);
    }
    b.used++;
    return {
      'x-ratelimit-limit': String(this.bucketLimit),
      'x-ratelimit-remaining': String(Math.max(0, this.bucketLimit - b.used)),
      'x-ratelimit-reset': String(b.resetAt / 1000),
      'x-ratelimit-reset-after': String(Math.max(0, (b.resetAt - now) / 1000)),
      'x-ratelimit-bucket': createHash('sha1').update(`${method} ${shape}`).digest('hex').slice(0, 16),
    };
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    if (status === 204 || body === undefined) {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  }
}

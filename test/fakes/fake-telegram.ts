import { randomBytes } from 'node:crypto';
import { pollUntil } from './poll.js';

export type { BotMessage, FakeDocument } from './fake-telegram-wire.js';

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type BotMessage,
  checkMarkup,
  checkText,
  type FakeDocument,
  type FakeUser,
  MAX_CAPTION,
  MAX_TEXT,
  parseJsonField,
  type RecordedCall,
  readParams,
  toTelegramMessage,
} from './fake-telegram-wire.js';

/**
 * A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that the real telegraf client talks to over
 * loopback. It answers the methods storywatch uses, keeps the chat history the bot produced, rejects
 * what Telegram would reject (malformed HTML, messages over 4,096 characters, callback_data over 64
 * bytes) and fails on demand.
 */

interface Failure {
  status: number;
  body: Record<string, unknown>;
}

interface StoredFile {
  fileId: string;
  path: string;
  content: Buffer;
  size: number;
}

const MAX_DOWNLOAD = 20 * 1024 * 1024;
/** The user Telegram puts in `from` of a message posted in a group "as channel". */
const CHANNEL_BOT_ID = 136817688;

export class FakeTelegram {
  readonly token =
    `${100000 + Math.floor(Math.random() * 900000)}:${randomBytes(26).toString('base64url').slice(0, 35)}`;
  readonly botUser = { id: 900001, is_bot: true, first_name: 'Storywatch', username: 'storywatch_test_bot' };
  readonly calls: RecordedCall[] = [];
  readonly botMessages: BotMessage[] = [];
  readonly deletedUserMessages: Array<{ chatId: number; messageId: number }> = [];
  readonly callbackAnswers: Array<{ id: string; text?: string }> = [];
  myCommands: Array<{ command: string; description: string }> = [];
  /** The URL setWebhook was given ('' when none), as getWebhookInfo reports it. */
  webhookUrl = '';
  /**
   * Telegram's record of its last failed webhook delivery (getWebhookInfo's last_error_date, in Unix
   * seconds, and last_error_message). Telegram keeps it after later successes; set it to simulate one.
   */
  webhookError: { date: number; message: string } | undefined;

  private server: Server;
  private updates: Array<{ update_id: number } & Record<string, unknown>> = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private waiters = new Set<() => void>();
  private failures = new Map<string, Failure[]>();
  private files = new Map<string, StoredFile>();
  private userMessages = new Map<string, Record<string, unknown>>();
  /** Highest offset the bot confirmed: updates below it were received. */
  private confirmedOffset = 0;

  private constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.json(res, 500, { ok: false, error_code: 500, description: String(err) });
      });
    });
  }

  static async start(): Promise<FakeTelegram> {
    const fake = new FakeTelegram();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get apiRoot(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  private pausedPort: number | undefined;

  /** Telegram unreachable: nothing listens on the port (connections are refused) until resume(). */
  async pause(): Promise<void> {
    this.pausedPort = (this.server.address() as AddressInfo).port;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Telegram back, on the same port. */
  async resume(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.pausedPort, '127.0.0.1', resolve));
    this.pausedPort = undefined;
  }

  async stop(): Promise<void> {
    if (this.pausedPort !== undefined) return;
    for (const wake of this.waiters) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` calls of `method` answer with this status and body. */
  failNext(method: string, times: number, status: number, body: Record<string, unknown> = {}): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) {
      list.push({
        status,
        body: { ok: false, error_code: status, description: `failure ${status}`, ...body },
      });
    }
    this.failures.set(method, list);
  }

  /** A message from a user (private chat with that user unless chatId is given). */
  sendFromUser(
    userId: number,
    content: {
      text?: string;
      caption?: string;
      document?: FakeDocument;
      replyTo?: number;
      chatId?: number;
      /** Posted as the group (an anonymous admin): Telegram then sets sender_chat. */
      asGroup?: boolean;
      /** Posted "as channel" with this channel id: sender_chat is the channel, from is Channel_Bot. */
      asChannel?: number;
    },
  ): { messageId: number; chatId: number } {
    const chatId = content.chatId ?? userId;
    const messageId = this.nextMessageId++;
    const from: FakeUser =
      content.asChannel === undefined
        ? { id: userId, first_name: `user${userId}` }
        : { id: CHANNEL_BOT_ID, first_name: 'Channel', username: 'Channel_Bot' };
    const senderChat = content.asGroup
      ? { sender_chat: { id: chatId, type: 'supergroup', title: 'group' } }
      : content.asChannel !== undefined
        ? { sender_chat: { id: content.asChannel, type: 'channel', title: 'channel' } }
        : {};
    const message: Record<string, unknown> = {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: chatId === userId ? 'private' : 'group' },
      from,
      ...senderChat,
    };
    if (content.text !== undefined) {
      message.text = content.text;
      const m = /^\/[a-z_]+(@\w+)?/i.exec(content.text);
      if (m) message.entities = [{ type: 'bot_command', offset: 0, length: m[0].length }];
    }
    if (content.caption !== undefined) message.caption = content.caption;
    if (content.document) message.document = this.storeDocument(content.document);
    if (content.replyTo !== undefined) {
      const replied = this.userMessages.get(`${chatId}:${content.replyTo}`);
      if (replied) message.reply_to_message = replied;
    }
    this.userMessages.set(`${chatId}:${messageId}`, message);
    this.pushUpdate({ message });
    return { messageId, chatId };
  }

  /** A press on an inline button of a message the bot sent. */
  pressButton(userId: number, message: BotMessage, label: string): string {
    const button = message.replyMarkup?.inline_keyboard?.flat().find((b) => b.text === label);
    if (!button?.callback_data) throw new Error(`no button "${label}" on message ${message.messageId}`);
    const id = randomBytes(8).toString('hex');
    this.pushUpdate({
      callback_query: {
        id,
        from: { id: userId, first_name: `user${userId}` },
        chat_instance: '1',
        data: button.callback_data,
        message: {
          message_id: message.messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: message.chatId, type: 'private' },
          from: this.botUser,
          text: message.edits.at(-1) ?? message.text ?? '',
        },
      },
    });
    return id;
  }

  /** True once the bot confirmed (by its getUpdates offset) every update injected so far. */
  allUpdatesReceived(): boolean {
    return this.confirmedOffset >= this.nextUpdateId;
  }

  messagesTo(chatId: number): BotMessage[] {
    return this.botMessages.filter((m) => m.chatId === chatId);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Waits (polling the record) until `check` returns a value. */
  waitFor<T>(check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    return pollUntil(check, timeoutMs, 'fake telegram');
  }

  private storeDocument(doc: FakeDocument): Record<string, unknown> {
    const fileId = `file-${randomBytes(6).toString('hex')}`;
    const size = doc.fileSize ?? doc.content.length;
    this.files.set(fileId, {
      fileId,
      path: `documents/${fileId}_${doc.fileName}`,
      content: doc.content,
      size,
    });
    return {
      file_id: fileId,
      file_unique_id: fileId,
      file_name: doc.fileName,
      mime_type: doc.mimeType ?? 'text/plain',
      ...(doc.sizeUnknown ? {} : { file_size: size }),
    };
  }

  private pushUpdate(body: Record<string, unknown>): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...body });
    for (const wake of this.waiters) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) return this.download(res, fileMatch[1]!, decodeURIComponent(fileMatch[2]!));
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return this.json(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== this.token)
      return this.json(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = m[2]!;
    const params = await readParams(req, url);
    this.calls.push({ method, params });
    const failure = this.failures.get(method)?.shift();
    if (failure) return this.json(res, failure.status, failure.body);
    const result = await this.answer(method, params, req);
    if ('error' in result) {
      return this.json(res, result.error.status, {
        ok: false,
        error_code: result.error.status,
        description: result.error.description,
      });
    }
    this.json(res, 200, { ok: true, result: result.ok });
  }

  private async answer(
    method: string,
    p: Record<string, unknown>,
    req: IncomingMessage,
  ): Promise<{ ok: unknown } | { error: { status: number; description: string } }> {
    const bad = (description: string) => ({
      error: { status: 400, description: `Bad Request: ${description}` },
    });
    switch (method) {
      case 'getMe':
        return { ok: this.botUser };
      case 'deleteWebhook':
        this.webhookUrl = '';
        return { ok: true };
      case 'setWebhook':
        this.webhookUrl = String(p.url ?? '');
        return { ok: true };
      case 'getWebhookInfo':
        return { ok: this.webhookInfo() };
      case 'setMyCommands':
        this.myCommands = (parseJsonField(p.commands) as typeof this.myCommands) ?? [];
        return { ok: true };
      case 'setChatMenuButton':
        // Recorded in `calls` like every method; the web panel's Mini App button (callsOf('setChatMenuButton')).
        return { ok: true };
      case 'getUpdates':
        return { ok: await this.getUpdates(p, req) };
      case 'sendMessage': {
        const text = String(p.text ?? '');
        const problem = checkText(text, p.parse_mode, MAX_TEXT) ?? checkMarkup(p.reply_markup);
        if (problem) return bad(problem);
        return { ok: this.record('sendMessage', p, { text }) };
      }
      case 'sendDocument': {
        const file = p.document;
        if (!(file instanceof File)) return bad('there is no document in the request');
        const caption = p.caption === undefined ? undefined : String(p.caption);
        const problem =
          (caption === undefined ? undefined : checkText(caption, p.parse_mode, MAX_CAPTION)) ??
          checkMarkup(p.reply_markup);
        if (problem) return bad(problem);
        const document = {
          fileName: file.name,
          content: Buffer.from(await file.arrayBuffer()).toString('utf8'),
        };
        return {
          ok: this.record('sendDocument', p, caption === undefined ? { document } : { document, caption }),
        };
      }
      case 'sendPhoto': {
        // As Telegram: a photo must be an uploaded file (we never send photos by URL or file_id).
        const file = p.photo;
        if (!(file instanceof File)) return bad('there is no photo in the request');
        const caption = p.caption === undefined ? undefined : String(p.caption);
        const problem =
          (caption === undefined ? undefined : checkText(caption, p.parse_mode, MAX_CAPTION)) ??
          checkMarkup(p.reply_markup);
        if (problem) return bad(problem);
        const photo = { fileName: file.name, content: Buffer.from(await file.arrayBuffer()) };
        return { ok: this.record('sendPhoto', p, caption === undefined ? { photo } : { photo, caption }) };
      }
      case 'editMessageText': {
        const msg = this.botMessages.find(
          (b) => b.chatId === Number(p.chat_id) && b.messageId === Number(p.message_id) && !b.deleted,
        );
        if (!msg) return bad('message to edit not found');
        // As Telegram: a document's or a photo's caption is not its text.
        if (msg.document || msg.photo) return bad('there is no text in the message to edit');
        const text = String(p.text ?? '');
        const problem = checkText(text, p.parse_mode, MAX_TEXT) ?? checkMarkup(p.reply_markup);
        if (problem) return bad(problem);
        if ((msg.edits.at(-1) ?? msg.text) === text && p.reply_markup === undefined)
          return bad(
            'message is not modified: specified new message content and reply markup are exactly the same',
          );
        msg.edits.push(text);
        const markup = parseJsonField(p.reply_markup);
        if (markup) msg.replyMarkup = markup as BotMessage['replyMarkup'];
        return { ok: toTelegramMessage(msg, this.botUser) };
      }
      case 'deleteMessage': {
        const chatId = Number(p.chat_id);
        const messageId = Number(p.message_id);
        const mine = this.botMessages.find(
          (b) => b.chatId === chatId && b.messageId === messageId && !b.deleted,
        );
        if (mine) {
          mine.deleted = true;
          return { ok: true };
        }
        if (this.userMessages.delete(`${chatId}:${messageId}`)) {
          this.deletedUserMessages.push({ chatId, messageId });
          return { ok: true };
        }
        return bad('message to delete not found');
      }
      case 'answerCallbackQuery':
        this.callbackAnswers.push({
          id: String(p.callback_query_id),
          ...(p.text ? { text: String(p.text) } : {}),
        });
        return { ok: true };
      case 'getFile': {
        const file = this.files.get(String(p.file_id));
        if (!file) return bad('invalid file_id');
        if (file.size > MAX_DOWNLOAD) return bad('file is too big');
        return {
          ok: {
            file_id: file.fileId,
            file_unique_id: file.fileId,
            file_size: file.size,
            file_path: file.path,
          },
        };
      }
      default:
        return { error: { status: 404, description: `Not Found: method ${method} is not faked` } };
    }
  }

  private webhookInfo(): Record<string, unknown> {
    return {
      url: this.webhookUrl,
      has_custom_certificate: false,
      pending_update_count: this.updates.length,
      ...(this.webhookError
        ? { last_error_date: this.webhookError.date, last_error_message: this.webhookError.message }
        : {}),
    };
  }

  private async getUpdates(p: Record<string, unknown>, req: IncomingMessage): Promise<unknown[]> {
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(Number(p.limit ?? 100), 100);
    const timeoutS = Number(p.timeout ?? 0);
    if (offset > 0) {
      this.confirmedOffset = Math.max(this.confirmedOffset, offset);
      this.updates = this.updates.filter((u) => u.update_id >= offset);
    }
    const pending = () => this.updates.filter((u) => u.update_id >= offset).slice(0, limit);
    if (pending().length === 0 && timeoutS > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          req.socket.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutS * 1000);
        this.waiters.add(done);
        req.socket.once('close', done);
      });
    }
    return pending();
  }

  private record(
    method: BotMessage['method'],
    p: Record<string, unknown>,
    content: Pick<BotMessage, 'text' | 'document' | 'photo' | 'caption'>,
  ): Record<string, unknown> {
    const markup = parseJsonField(p.reply_markup) as BotMessage['replyMarkup'] | undefined;
    const msg: BotMessage = {
      messageId: this.nextMessageId++,
      chatId: Number(p.chat_id),
      method,
      ...content,
      ...(typeof p.parse_mode === 'string' ? { parseMode: p.parse_mode } : {}),
      ...(markup ? { replyMarkup: markup } : {}),
      edits: [],
      deleted: false,
    };
    this.botMessages.push(msg);
    return toTelegramMessage(msg, this.botUser);
  }

  private download(res: ServerResponse, token: string, path: string): void {
    const file = token === this.token ? [...this.files.values()].find((f) => f.path === path) : undefined;
    if (token === this.token) this.calls.push({ method: 'download', params: { path } });
    if (!file) {
      const status = token === this.token ? 404 : 401;
      this.json(res, status, {
        ok: false,
        error_code: status,
        description: status === 404 ? 'Not Found' : 'Unauthorized',
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.content.length });
    res.end(file.content);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

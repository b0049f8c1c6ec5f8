import type { IncomingMessage } from 'node:http';
import { checkTelegramHtml } from './telegram-html.js';

/** The Bot API's wire format and limits, as the fake Telegram server checks them. */
export const MAX_TEXT = 4096;
export const MAX_CAPTION = 1024;

export interface FakeUser {
  id: number;
  first_name: string;
  username?: string;
}

export interface FakeDocument {
  fileName: string;
  content: Buffer;
  mimeType?: string;
  /** Claimed size; defaults to the content length (lets a test send a "21 MB" file cheaply). */
  fileSize?: number;
  /** Leave file_size out of the update, as Telegram may; getFile still knows the size. */
  sizeUnknown?: boolean;
}

export interface BotMessage {
  messageId: number;
  chatId: number;
  method: 'sendMessage' | 'sendDocument' | 'sendPhoto';
  text?: string;
  parseMode?: string;
  replyMarkup?: { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> };
  document?: { fileName: string; content: string };
  /** A photo as uploaded (multipart): its file name and bytes. */
  photo?: { fileName: string; content: Buffer };
  caption?: string;
  /** Every text this message had, in order (editMessageText appends). */
  edits: string[];
  deleted: boolean;
}

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
}

export function checkText(text: string, parseMode: unknown, max: number): string | undefined {
  if (text.trim() === '' && max === MAX_TEXT) return 'message text is empty';
  let plain = text;
  if (parseMode === 'HTML') {
    const checked = checkTelegramHtml(text);
    if ('error' in checked) return `can't parse entities: ${checked.error}`;
    plain = checked.plain;
  }
  if (plain.length > max) return max === MAX_TEXT ? 'message is too long' : 'message caption is too long';
  return undefined;
}

export function checkMarkup(raw: unknown): string | undefined {
  const markup = parseJsonField(raw) as
    | { inline_keyboard?: Array<Array<{ callback_data?: string }>> }
    | undefined;
  for (const b of markup?.inline_keyboard?.flat() ?? []) {
    if (b.callback_data !== undefined && Buffer.byteLength(b.callback_data) > 64)
      return 'BUTTON_DATA_INVALID';
  }
  return undefined;
}

export function parseJsonField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** JSON bodies (telegraf's default) and multipart bodies (any call carrying a file). */
export async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = req.headers['content-type'] ?? '';
  if (body.length === 0) return params;
  if (type.startsWith('application/json'))
    return { ...params, ...(JSON.parse(body.toString('utf8')) as object) };
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    for (const [key, value] of form.entries()) params[key] = value;
  }
  return params;
}

/** A message the bot sent, as the Bot API returns it. */
export function toTelegramMessage(msg: BotMessage, from: Record<string, unknown>): Record<string, unknown> {
  return {
    message_id: msg.messageId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: msg.chatId, type: 'private' },
    from,
    ...(msg.text !== undefined ? { text: msg.edits.at(-1) ?? msg.text } : {}),
    ...(msg.document
      ? { document: { file_id: 'sent', file_unique_id: 'sent', file_name: msg.document.fileName } }
      : {}),
    ...(msg.photo ? { photo: [{ file_id: 'sent', file_unique_id: 'sent', width: 0, height: 0 }] } : {}),
  };
}

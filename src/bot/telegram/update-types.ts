import type { ProgressMessages } from '../../delivery/progress.js';
import type { CommandBase } from '../shared/command-context.js';
import type { OwnerGate } from '../shared/owner-gate.js';
import type { BotApi } from './bot-api.js';
import type { ButtonStore } from './button-store.js';
import type { TelegramDocument } from './incoming-file.js';

/** The parts of a Bot API message we read (plain Bot API JSON, whatever client library delivers it). */
export interface TgMessage {
  message_id: number;
  chat: { id: number; type: string };
  from?: { id: number };
  /** Set when a group admin posts anonymously (as the group) or a channel posts: no user to check. */
  sender_chat?: { id: number };
  text?: string;
  caption?: string;
  document?: TelegramDocument;
  reply_to_message?: TgMessage;
}

export interface TgCallbackQuery {
  id: string;
  from: { id: number };
  data?: string;
  message?: { message_id: number; chat: { id: number } };
}

/** What handling one update needs, built once per running bot. */
export interface UpdateDeps extends CommandBase {
  progress: ProgressMessages;
  api: BotApi;
  buttons: ButtonStore;
  gate: OwnerGate;
  botUsername: string;
}

/** What the user wrote: a document's caption takes the place of a text (`/import NICHE` on a file). */
export function messageText(msg: TgMessage): string {
  return msg.text ?? msg.caption ?? '';
}

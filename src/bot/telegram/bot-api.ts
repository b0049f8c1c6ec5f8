/**
 * The few Bot API calls storywatch makes, behind an interface of our own: telegraf is unmaintained,
 * and swapping to another client means rewriting `telegraf-api.ts` and `index.ts` only.
 */
export interface InlineButton {
  text: string;
  callbackData: string;
}

export type Keyboard = InlineButton[][];

export interface BotApi {
  sendMessage(chatId: string, html: string, keyboard?: Keyboard): Promise<number>;
  sendDocument(
    chatId: string,
    /** The content in memory, or a file on disk (a large export) streamed from there. */
    doc: { fileName: string; content: Buffer } | { fileName: string; path: string },
    captionHtml?: string,
    keyboard?: Keyboard,
  ): Promise<number>;
  /** A picture (a chart as PNG), shown inline in the chat with its caption. */
  sendPhoto(
    chatId: string,
    photo: { fileName: string; content: Buffer },
    captionHtml?: string,
    keyboard?: Keyboard,
  ): Promise<number>;
  editMessageText(chatId: string, messageId: number, html: string, keyboard?: Keyboard): Promise<void>;
  deleteMessage(chatId: string, messageId: number): Promise<void>;
  answerCallbackQuery(id: string, text?: string): Promise<void>;
  /** The download URL of an uploaded file (contains the token: never log it). */
  fileUrl(fileId: string): Promise<string>;
}

/** A Bot API refusal, normalised from whatever the client library throws. */
export class BotApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly retryAfterS?: number,
    /** Set when a group was upgraded to a supergroup: the chat's id from now on. */
    readonly migrateToChatId?: number,
  ) {
    super(`Telegram ${status}: ${description}`);
    this.name = 'BotApiError';
  }
}

export function isMessageGone(err: unknown): boolean {
  return (
    err instanceof BotApiError &&
    err.status === 400 &&
    /message to edit not found|message can't be edited|there is no text in the message to edit|message to delete not found|MESSAGE_ID_INVALID/i.test(
      err.description,
    )
  );
}

export function isNotModified(err: unknown): boolean {
  return err instanceof BotApiError && err.status === 400 && /message is not modified/i.test(err.description);
}

import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../../core/errors.js';
import type { IncomingFile } from '../commands/types.js';
import { mayBeTextList } from '../shared/text-attachment.js';
import { type BotApi, BotApiError } from './bot-api.js';

/** The Bot API's download limit for bots. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

export interface TelegramDocument {
  file_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

const DOWNLOAD_TIMEOUT_MS = 60_000;

const tooLarge = (name: string) =>
  `${name} is larger than 20 MB, the most Telegram lets bots download. Split it into smaller .txt files.`;

/** Why a document cannot be imported, in words for the operator; undefined when it can. */
export function refuseDocument(doc: TelegramDocument): string | undefined {
  const name = doc.file_name ?? 'the file';
  if (!mayBeTextList(doc.file_name ?? '', doc.mime_type))
    return `${name} is not a text file (${doc.mime_type ?? 'unknown type'}). Send the usernames as a .txt file, one or more per line.`;
  if ((doc.file_size ?? 0) > MAX_FILE_BYTES) {
    const mb = ((doc.file_size ?? 0) / 1024 / 1024).toFixed(1);
    return `${name} is ${mb} MB; Telegram lets bots download files up to 20 MB. Split it into smaller .txt files.`;
  }
  return undefined;
}

/** A document read lazily through getFile and the file path under the API root. */
export function telegramFile(api: BotApi, doc: TelegramDocument): IncomingFile {
  return {
    name: doc.file_name ?? 'upload.txt',
    size: doc.file_size ?? 0,
    async read() {
      const url = await api.fileUrl(doc.file_id).catch((err: unknown) => {
        // Documents sent without a size reach getFile, which refuses what bots may not download.
        if (err instanceof BotApiError && /file is too big/i.test(err.description))
          throw new UserError('file_too_large', tooLarge(doc.file_name ?? 'the file'));
        throw err;
      });
      // A local Bot API server (--local) answers with an absolute path on its own disk, which telegraf
      // turns into file://<api host>/path: a host Node's fileURLToPath refuses, so read the path itself.
      if (url.startsWith('file:')) {
        const path = decodeURIComponent(new URL(url).pathname);
        // A local server lets bots fetch files up to 2 GB; the import limit still holds.
        if ((await stat(path)).size > MAX_FILE_BYTES)
          throw new UserError('file_too_large', tooLarge(doc.file_name ?? 'the file'));
        return readFile(path);
      }
      const res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      if (!res.ok || !res.body)
        throw new UserError(
          'file_download_failed',
          `Telegram would not hand over ${doc.file_name ?? 'the file'} (HTTP ${res.status}); send it again and retry.`,
        );
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        total += chunk.length;
        if (total > MAX_FILE_BYTES)
          throw new UserError('file_too_large', tooLarge(doc.file_name ?? 'the file'));
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    },
  };
}

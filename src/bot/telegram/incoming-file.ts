import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { IncomingFile } from '../commands/types.js';
import type { BotApi } from './bot-api.js';

/** The Bot API's download limit for bots. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

export interface TelegramDocument {
  file_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

/** Why a document cannot be imported, in words for the operator; undefined when it can. */
export function refuseDocument(doc: TelegramDocument): string | undefined {
  const name = doc.file_name ?? 'the file';
  const isText = /\.txt$/i.test(doc.file_name ?? '') || doc.mime_type === 'text/plain';
  if (!isText)
    return `${name} is not a .txt file (${doc.mime_type ?? 'unknown type'}). Send the usernames as a plain .txt file, one per line.`;
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
      const url = await api.fileUrl(doc.file_id);
      // A local Bot API server answers with an absolute path on its own disk.
      if (url.startsWith('file:')) return readFile(fileURLToPath(url));
      const res = await fetch(url);
      if (!res.ok || !res.body) throw new Error(`Telegram file download failed with HTTP ${res.status}`);
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        total += chunk.length;
        if (total > MAX_FILE_BYTES) throw new Error('Telegram file is larger than 20 MB');
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    },
  };
}

import { UserError } from '../../core/errors.js';
import type { IncomingFile } from '../commands/types.js';
import { mayBeTextList } from '../shared/text-attachment.js';

/** Imports are username lists: 20 MB is far beyond any real list and bounds what we hold in memory. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 60_000;

/** The parts of a Discord attachment we read (discord.js Attachment has these). */
export interface DiscordAttachment {
  name: string;
  size: number;
  url: string;
  contentType: string | null;
}

/** Why an attachment cannot be imported, in words for the operator; undefined when it can. */
export function refuseAttachment(a: DiscordAttachment): string | undefined {
  if (!mayBeTextList(a.name, a.contentType))
    return `${a.name} is not a text file (${a.contentType ?? 'unknown type'}). Attach the usernames as a .txt file, one or more per line.`;
  if (a.size > MAX_FILE_BYTES) {
    const mb = (a.size / 1024 / 1024).toFixed(1);
    return `${a.name} is ${mb} MB; the limit is 20 MB. Split it into smaller .txt files.`;
  }
  return undefined;
}

/** An attachment read lazily from Discord's CDN, stopping at the size limit whatever the header said. */
export function discordFile(a: DiscordAttachment): IncomingFile {
  return {
    name: a.name,
    size: a.size,
    async read() {
      const res = await fetch(a.url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      if (!res.ok || !res.body)
        throw new UserError(
          'file_download_failed',
          `Discord would not hand over ${a.name} (HTTP ${res.status}); attach it again and retry.`,
        );
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        total += chunk.length;
        if (total > MAX_FILE_BYTES)
          throw new UserError(
            'file_too_large',
            `${a.name} is larger than 20 MB. Split it into smaller .txt files.`,
          );
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    },
  };
}

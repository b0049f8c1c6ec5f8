import { rm } from 'node:fs/promises';
import type { Reply } from '../../reply/reply.js';

/** Deletes the temporary files a reply's file blocks carry (`path`), once the reply has been sent. */
export async function discardReplyFiles(r: Reply): Promise<void> {
  for (const b of r.blocks) {
    if (b.type === 'file' && b.path) await rm(b.path, { force: true });
  }
}

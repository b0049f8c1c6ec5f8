/**
 * A child process for the 1,000,000-row export test: runs `profiles export ARGS...` through the command
 * registry against DATABASE_URL, moves the file to OUT, and prints the rows and its own peak RSS as JSON.
 * Run with `node --import tsx test/helpers/export-child.ts OUT WORDS...`.
 */
import { randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { dispatch } from '../../src/bot/commands/dispatch.js';
import { parseWords } from '../../src/bot/commands/parse-words.js';
import { findCommand } from '../../src/bot/commands/registry.js';
import { connectDatabase } from '../../src/core/db/client.js';
import { systemClock } from '../../src/core/deps.js';
import { createLogger } from '../../src/core/logger.js';

const [out, ...words] = process.argv.slice(2);
const url = process.env.DATABASE_URL;
if (!out || !url) throw new Error('usage: DATABASE_URL=... export-child.ts OUT WORDS...');
// Peak RSS once everything is loaded (node, tsx, the registry), before the export runs.
const baselineMb = process.resourceUsage().maxRSS / 1024;
const database = connectDatabase(url, { max: 2 });
const found = findCommand(words);
if (!found) throw new Error(`no command for ${words.join(' ')}`);
const { values, unexpected } = parseWords(found.command, words.slice(found.consumed));
const reply = await dispatch(
  { command: found.command, values, unexpected },
  {
    core: {
      db: database.db,
      sql: database.sql,
      log: createLogger({ level: 'warn' }),
      clock: systemClock,
      credentialsKey: randomBytes(32),
    },
    actor: { platform: 'console', userId: 'bench', chatId: 'console', commandPrefix: 'storywatch ' },
    services: {},
  },
);
await database.close();
const file = reply.blocks.find((b) => b.type === 'file');
if (file?.type !== 'file' || !file.path) throw new Error(`no file in the reply: ${JSON.stringify(reply)}`);
await rename(file.path, out);
// maxRSS is in kilobytes.
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ data: reply.data, baselineMb, maxRssMb })}\n`);

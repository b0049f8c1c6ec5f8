import { readFileSync, writeFileSync } from 'node:fs';
import { commands } from '../bot/commands/registry.js';
import { renderCommandDocs, replaceCommandSection } from './command-docs.js';

// `npm run docs:commands` prints the command reference; `-- --write` updates README.md in place.
const section = renderCommandDocs(commands);
if (process.argv.includes('--write')) {
  const path = new URL('../../README.md', import.meta.url);
  writeFileSync(path, replaceCommandSection(readFileSync(path, 'utf8'), section));
  process.stdout.write(`README.md: ${commands.length} commands written\n`);
} else {
  process.stdout.write(`${section}\n`);
}

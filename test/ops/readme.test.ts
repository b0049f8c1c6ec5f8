import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentCommandSection, normalizeTable, renderCommandDocs } from '../../src/app/command-docs.js';
import { commands } from '../../src/bot/commands/registry.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README command reference', () => {
  it('GIVEN the command registry THEN README carries exactly the generated reference', () => {
    // Regenerate with: npm run docs:commands -- --write
    expect(normalizeTable(currentCommandSection(readme) ?? '')).toBe(
      normalizeTable(renderCommandDocs(commands)),
    );
  });

  it('GIVEN every command path in the registry THEN README shows it for Telegram, Discord and the console', () => {
    const missing = commands
      .filter((c) => {
        const path = c.path.join(' ');
        // Commands about "this chat" have no console form; README says so in that column.
        return !readme.includes(`\`/${path}`) || (!c.chatOnly && !readme.includes(`\`storywatch ${path}`));
      })
      .map((c) => c.path.join(' '));
    console.log(`${commands.length} commands in the registry; missing from README: ${missing.length}`);
    expect(missing).toEqual([]);
  });

  it('GIVEN a README whose reference is out of date THEN the comparison notices', () => {
    const stale = readme
      .split('\n')
      .filter((line) => !line.includes('`/help`'))
      .join('\n');
    expect(normalizeTable(currentCommandSection(stale) ?? '')).not.toBe(
      normalizeTable(renderCommandDocs(commands)),
    );
  });
});

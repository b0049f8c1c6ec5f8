import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { discordUsage } from '../../src/app/command-docs.js';
import { dispatch } from '../../src/bot/commands/dispatch.js';
import { commands, findCommand } from '../../src/bot/commands/registry.js';
import type { Actor } from '../../src/bot/commands/types.js';
import { slashUsageLine } from '../../src/bot/commands/usage-spelling.js';
import { helpListing } from '../../src/bot/console/console-help.js';
import { groupByTop } from '../../src/bot/discord/command-json.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { createLogger } from '../../src/core/logger.js';
import { renderPlain } from '../../src/reply/reply.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README table's row of a command: [summary, telegram, discord, console], unescaped. */
function readmeRow(summary: string): string[] {
  const line = readme.split('\n').find((l) => l.startsWith(`| ${summary} |`));
  if (!line) throw new Error(`no README row for "${summary}"`);
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((cell) => cell.trim().replaceAll('\\|', '|').replace(/^`|`$/g, ''));
}

/** `help` needs no database: the handler lists the registry. */
async function helpAs(actor: Actor): Promise<string> {
  const found = findCommand(['help']);
  if (!found) throw new Error('no help');
  const r = await dispatch(
    { command: found.command, values: {}, unexpected: [] },
    { core: { log: createLogger({ level: 'silent' }) } as unknown as CoreDeps, actor, services: {} },
  );
  return renderPlain(r);
}

const telegram: Actor = { platform: 'telegram', userId: '1', chatId: '1', commandPrefix: '/' };
const discord: Actor = { ...telegram, platform: 'discord', describesCommands: true };

describe('help and README spell options the same way on each front-end', () => {
  it('GIVEN every command THEN the Discord help line is the slash command Discord registers', () => {
    const groups = groupByTop(commands);
    const differ = commands.filter((c) => slashUsageLine(c, commands) !== discordUsage(c, groups));
    expect(differ.map((c) => c.path.join(' '))).toEqual([]);
  });

  it('GIVEN profiles list THEN Telegram help says sort VALUE, Discord sort:, the console --sort, as README does', async () => {
    const summary = commands.find((c) => c.path.join(' ') === 'profiles list')?.summary ?? '';
    const [, tg, dc, shell] = readmeRow(summary);
    expect(tg).toContain('[sort username|');
    expect(dc).toContain('[sort:username|');
    expect(shell).toContain('[--sort username|');
    expect(await helpAs(telegram)).toContain(tg);
    const onDiscord = await helpAs(discord);
    expect(onDiscord).toContain(dc);
    expect(onDiscord).not.toContain('/profiles list NAME');
    // Every command still in the message itself (Discord's limit is 2,000 characters).
    expect(onDiscord.length).toBeLessThan(2000);
    expect(helpListing()).toContain(shell);
  });

  it('GIVEN proxy add THEN the console help and README both say standard input or --file', () => {
    const summary = commands.find((c) => c.path.join(' ') === 'proxy add')?.summary ?? '';
    const shell = readmeRow(summary)[3] ?? '';
    expect(shell).toBe('storywatch proxy add < FILE  (or --file FILE; one proxy per line)');
    expect(helpListing()).toContain(shell);
  });
});

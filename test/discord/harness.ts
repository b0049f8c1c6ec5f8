import { discordDeps } from '../../src/app/bot-role.js';
import type { CommandServices } from '../../src/bot/commands/types.js';
import { type DiscordApplication, type DiscordFrontEnd, startDiscord } from '../../src/bot/discord/index.js';
import { createProgressMessages } from '../../src/delivery/progress.js';
import { FakeDiscord, type FakeMessage, type InteractionRecord } from '../fakes/fake-discord.js';
import type { SlashInput } from '../fakes/fake-discord-interactions.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

export const OWNER = '222000000000000001';
export const STRANGER = '222000000000000999';
export const GUILD = '333000000000000001';
export const CHANNEL = '444000000000000001';

/** The real bot (startDiscord, real discord.js) on its own database and Redis prefix, against a fake Discord. */
export interface DiscordHarness {
  app: TestApp;
  fake: FakeDiscord;
  bot: DiscordFrontEnd;
  /** Runs a slash command as the owner in CHANNEL (unless told otherwise) and waits for its final answer. */
  run(input: Omit<SlashInput, 'userId' | 'channelId'> & Partial<SlashInput>): Promise<InteractionRecord>;
  /** Clicks a button on a message by its label and waits for the answer. */
  click(message: FakeMessage, label: string, userId?: string): Promise<InteractionRecord>;
  close(): Promise<void>;
}

export async function startDiscordHarness(
  services: CommandServices = {},
  env: Record<string, string> = {},
): Promise<DiscordHarness> {
  const fake = await FakeDiscord.start();
  const app = await createTestApp({
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_OWNER_IDS: OWNER,
    DISCORD_API_URL: fake.apiUrl,
    DISCORD_GUILD_ID: GUILD,
    ...env,
  });
  const progress = createProgressMessages(app);
  const deps = discordDeps(app, services, progress);
  if (!deps) throw new Error('the harness sets DISCORD_TOKEN');
  const bot = await startDiscord(deps);
  return {
    app,
    fake,
    bot,
    async run(input) {
      const rec = fake.interactions.slash({ userId: OWNER, channelId: CHANNEL, guildId: GUILD, ...input });
      return fake.interactions.done(rec);
    },
    async click(message, label, userId = OWNER) {
      const button = buttonsOf(message).find((b) => b.label === label);
      if (!button) throw new Error(`no button "${label}" on the message`);
      return fake.interactions.done(fake.interactions.click(message, button.custom_id, userId, GUILD));
    },
    async close() {
      await bot.stop();
      await progress.close();
      await fake.stop();
      await app.destroy();
    },
  };
}

/** The Discord application the harness's bot registers its commands with. */
export function discordApplication(app: TestApp): DiscordApplication {
  const { env } = app;
  return {
    token: env.DISCORD_TOKEN,
    applicationId: env.DISCORD_APPLICATION_ID,
    guildId: env.DISCORD_GUILD_ID,
    apiUrl: env.DISCORD_API_URL,
  };
}

/** The reply as the operator sees it now (content after the last edit). */
export function shown(rec: InteractionRecord): string {
  return rec.original?.content ?? '';
}

export function buttonsOf(message: FakeMessage): Array<{ label: string; custom_id: string }> {
  return (message.components as Array<{ components: Array<{ label: string; custom_id: string }> }>).flatMap(
    (row) => row.components,
  );
}

/** Polls an async condition (database state) until it holds. */
export async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

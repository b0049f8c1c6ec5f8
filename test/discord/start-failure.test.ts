import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordDeps } from '../../src/app/bot-role.js';
import { startDiscord } from '../../src/bot/discord/index.js';
import { createProgressMessages } from '../../src/delivery/progress.js';
import { FakeDiscord } from '../fakes/fake-discord.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { GUILD, OWNER } from './harness.js';

describe('Discord start-up failures', () => {
  let fake: FakeDiscord;
  let app: TestApp;
  const wrongToken = 'MTMwMDAwMDAwMDAwMDAwMDk5OQ.AbCdEf.wrongwrongwrongwrongwrongwrongwrong12';

  beforeAll(async () => {
    fake = await FakeDiscord.start();
    app = await createTestApp({
      DISCORD_TOKEN: wrongToken,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_OWNER_IDS: OWNER,
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_GUILD_ID: GUILD,
    });
  });
  afterAll(async () => {
    await fake?.stop();
    await app?.destroy();
  });

  it('GIVEN a token Discord refuses THEN start-up fails with a clear error that does not contain the token', async () => {
    const deps = discordDeps(app, {}, createProgressMessages(app));
    const outcome = await startDiscord(deps!).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(Error);
    const err = outcome as Error;
    expect(err.message).toMatch(/^Discord start failed: /);
    expect(err.message).not.toContain(wrongToken);
    expect(app.logs.text).not.toContain(wrongToken);
    expect(app.logs.text).toContain('discord commands could not be registered');
    expect(fake.gateway.identifies).toHaveLength(0);
    console.log(`wrong token: ${err.message}`);
  });
});

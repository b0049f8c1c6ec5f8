import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/bot/commands/registry.js';
import { registerDiscordCommands } from '../../src/bot/discord/index.js';
import { events } from '../../src/core/db/schema/index.js';
import {
  CHANNEL,
  type DiscordHarness,
  discordApplication,
  GUILD,
  OWNER,
  STRANGER,
  shown,
  startDiscordHarness,
} from './harness.js';

describe('Discord bot against the fake Discord', () => {
  let h: DiscordHarness;
  beforeAll(async () => {
    h = await startDiscordHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN the bot starts THEN it reads /gateway/bot, identifies, gets READY, and heartbeats are acknowledged', async () => {
    expect(h.fake.requestsTo('GET', /^\/gateway\/bot$/).length).toBeGreaterThanOrEqual(1);
    expect(h.fake.gateway.identifies).toHaveLength(1);
    expect(h.fake.gateway.identifies[0]).not.toHaveProperty('token');
    expect(h.bot.isConnected()).toBe(true);
    await h.fake.waitFor(() => h.fake.gateway.heartbeats >= 1, 5_000);
    expect(h.bot.isConnected()).toBe(true);
  });

  it('GIVEN DISCORD_GUILD_ID THEN the command set is put on that guild, admin-only, one command per first word', async () => {
    const registered = h.fake.commands.get(GUILD) ?? [];
    const tops = [...new Set(commands.map((c) => c.path[0]))];
    expect(registered.map((c) => c.name)).toEqual(tops);
    expect(registered.every((c) => c.default_member_permissions === '0')).toBe(true);
    expect(h.fake.commands.get('global')).toBeUndefined();
    const puts = h.fake.requestsTo('PUT', new RegExp(`/guilds/${GUILD}/commands$`));
    expect(puts).toHaveLength(1);
    console.log(`registered ${registered.length} top-level commands on guild ${GUILD}: ${tops.join(', ')}`);
  });

  it('GIVEN registration runs again with the same set THEN nothing is written (idempotent)', async () => {
    const before = h.fake.requestsTo('PUT', /\/commands$/).length;
    const ids = (h.fake.commands.get(GUILD) ?? []).map((c) => c.id);
    const again = await registerDiscordCommands(discordApplication(h.app));
    expect(again).toMatchObject({ scope: 'guild', changed: false, count: ids.length });
    expect(h.fake.requestsTo('PUT', /\/commands$/).length).toBe(before);
    expect((h.fake.commands.get(GUILD) ?? []).map((c) => c.id)).toEqual(ids);
  });

  it('GIVEN no DISCORD_GUILD_ID THEN the set is registered globally', async () => {
    const global = await registerDiscordCommands({ ...discordApplication(h.app), guildId: undefined });
    expect(global).toMatchObject({ scope: 'global', changed: true });
    expect(h.fake.commands.get('global')?.map((c) => c.name)).toEqual(global.names);
  });

  it('GIVEN the gateway connection drops THEN the client resumes and keeps answering', async () => {
    h.fake.gateway.dropAll();
    await h.fake.waitFor(() => h.fake.gateway.resumes >= 1 && h.fake.gateway.connections === 1, 15_000);
    const rec = await h.run({ command: 'help' });
    expect(rec.callbacks.map((c) => c.type)).toEqual([5]);
    expect(rec.edits).toBe(1);
    expect(h.bot.isConnected()).toBe(true);
    expect(h.fake.gateway.identifies).toHaveLength(1);
  });

  it('GIVEN /help THEN the answer is deferred within 3 s and then edited with every command', async () => {
    const rec = await h.run({ command: 'help' });
    expect(rec.callbacks[0]?.type).toBe(5);
    expect(rec.callbacks[0]?.afterMs).toBeLessThan(3_000);
    // Every command in the message itself, not in an attachment to open.
    const text = shown(rec);
    console.log(
      `/help on Discord: ${text.length} characters, ${rec.original?.attachments.length ?? 0} attachments`,
    );
    expect(rec.original?.attachments ?? []).toHaveLength(0);
    expect(text).toContain('/digest here');
    // Options spelled as Discord's picker shows them (and README's Discord column), not chat words.
    expect(text).toContain('/niche add name:text');
    // (Discord shows `\|` as `|`: the renderer escapes it so that `||` cannot start a spoiler.)
    expect(text.replaceAll('\\|', '|')).toContain(
      '/profiles list name:text [status:active|deleted|all] [sort:',
    );
    expect(text).toContain('/help');
  });

  it('GIVEN /digest here in a channel THEN that channel is subscribed', async () => {
    const rec = await h.run({ command: 'digest', subcommand: 'here' });
    expect(shown(rec)).toContain('Digest turned on');
    const again = await h.run({ command: 'digest', subcommand: 'here' });
    expect(shown(again)).toContain('already gets the hourly digest');
    expect(again.original?.channelId).toBe(CHANNEL);
  });

  it('GIVEN a user who is not an owner THEN nothing runs, the refusal is ephemeral and an auth event is recorded', async () => {
    const rec = await h.run({ command: 'digest', subcommand: 'off', userId: STRANGER });
    expect(rec.callbacks[0]?.type).toBe(4);
    expect(rec.original?.flags ?? 0).toBe(64);
    expect(shown(rec)).toContain('This bot is private');
    const auth = await h.app.core.db.select().from(events).where(eq(events.kind, 'auth'));
    expect(auth).toHaveLength(1);
    expect(auth[0]?.message).toContain(STRANGER);
    // The channel is still subscribed: the stranger's /digest off did not run.
    const check = await h.run({ command: 'digest', subcommand: 'here' });
    expect(shown(check)).toContain('already gets the hourly digest');
    // A second attempt is refused again, but not recorded again within the throttle window.
    await h.run({ command: 'help', userId: STRANGER });
    expect(await h.app.core.db.select().from(events).where(eq(events.kind, 'auth'))).toHaveLength(1);
  });

  it('GIVEN a credentials command THEN it is deferred ephemerally and the reply never shows the secret', async () => {
    const rec = await h.run({
      command: 'proxy',
      subcommand: 'add',
      options: { proxies: '10.1.2.3:8080:alice:s3cretpass' },
    });
    expect(rec.callbacks[0]?.data).toMatchObject({ flags: 64 });
    expect(rec.original?.flags ?? 0).toBe(64);
    const everything = JSON.stringify(h.fake.requests.map((r) => [r.body, r.files]));
    expect(everything).not.toContain('s3cretpass');
    expect(h.app.logs.text).not.toContain('s3cretpass');
  });

  it('GIVEN a button click by a stranger THEN it is refused ephemerally; an expired button says so', async () => {
    const help = await h.run({ command: 'help' });
    const strangerClick = await h.fake.interactions.done(
      h.fake.interactions.click(help.original!, 'sw:doesnotexist', STRANGER, GUILD),
    );
    expect(strangerClick.callbacks[0]).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(JSON.stringify(strangerClick.callbacks[0]?.data)).toContain('This bot is private');
    const expired = await h.fake.interactions.done(
      h.fake.interactions.click(help.original!, 'sw:doesnotexist', OWNER, GUILD),
    );
    expect(JSON.stringify(expired.callbacks[0]?.data)).toContain('This button has expired');
  });

  it('GIVEN anything THEN the bot token never appears in the logs', () => {
    expect(h.app.logs.text).not.toContain(h.fake.token);
    expect(h.app.logs.text).toContain('discord front-end connected');
  });
});

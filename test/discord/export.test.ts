import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDiscordReply } from '../../src/bot/discord/render.js';
import { fileOnDiskBlock, reply } from '../../src/reply/reply.js';
import { type DiscordHarness, startDiscordHarness, until } from './harness.js';

let h: DiscordHarness;
beforeAll(async () => {
  h = await startDiscordHarness();
  await h.run({ command: 'niche', subcommand: 'add', options: { name: 'Life' } });
  await h.app.core.sql`
    insert into profiles (username, niche_id, status)
    select 'life_' || lpad(g::text, 4, '0'), (select id from niches where name = 'Life'),
      (case when g % 4 = 0 then 'deleted' else 'active' end)::profile_status
    from generate_series(1, 2000) g`;
});
afterAll(async () => {
  await h?.close();
});

describe('profiles export on Discord', { timeout: 30_000 }, () => {
  it('GIVEN 2,000 profiles THEN the reply carries the .txt attachment with every deleted one once', async () => {
    const rec = await h.run({
      command: 'profiles',
      subcommand: 'export',
      options: { name: 'Life', status: 'deleted' },
    });
    const message = rec.original;
    expect(message?.content).toBe('500 profiles of niche "Life" (deleted) (one username a line).');
    expect(message?.attachments.map((a) => a.filename)).toEqual(['profiles-life-deleted.txt']);
    const names = message?.attachments[0]?.content.toString('utf8').trimEnd().split('\n') ?? [];
    expect(names).toHaveLength(500);
    expect(new Set(names).size).toBe(500);
    expect(names.every((n) => Number(n.slice(5)) % 4 === 0)).toBe(true);
    // The temporary file it was uploaded from goes once the upload is answered (other tests' exports
    // hold other content).
    const text = message?.attachments[0]?.content.toString('utf8') ?? '';
    const leftovers = async () => {
      const left: string[] = [];
      for (const n of await readdir(tmpdir())) {
        if (!n.startsWith('storywatch-')) continue;
        if ((await readFile(join(tmpdir(), n), 'utf8').catch(() => '')) === text) left.push(n);
      }
      return left;
    };
    await until(async () => (await leftovers()).length === 0);
  });

  it('GIVEN an export over the upload limit THEN the message says so and what to do, with no attachment', async () => {
    const path = join(tmpdir(), 'sw-discord-too-large.txt');
    await writeFile(path, 'a\n'.repeat(2000));
    const rendered = renderDiscordReply(
      reply.of([
        fileOnDiskBlock('profiles-all-active.txt', path, '2000 profiles of the master list (active).'),
      ]),
      1024,
    );
    expect(rendered.files).toEqual([]);
    expect(rendered.content).toContain(
      "2000 profiles of the master list (active). profiles-all-active.txt is 4 KB, over Discord's upload limit of 1 KB",
    );
    expect(rendered.content).toContain('from the console or Telegram');
    await rm(path, { force: true });
  });
});

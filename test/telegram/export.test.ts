import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, startBotHarness, until, visible } from './harness.js';

let h: BotHarness;
beforeAll(async () => {
  h = await startBotHarness();
  await h.say('/niche add fitness');
  const sql = h.app.core.sql;
  await sql`
    insert into profiles (username, niche_id, status)
    select 'fit_' || lpad(g::text, 4, '0'), (select id from niches where name = 'fitness'),
      (case when g % 10 = 0 then 'deleted' else 'active' end)::profile_status
    from generate_series(1, 3000) g`;
});
afterAll(async () => {
  await h?.close();
});

/** Export files left in the temporary directory holding exactly this content. */
async function leftovers(content: string): Promise<string[]> {
  const names = (await readdir(tmpdir())).filter((n) => n.startsWith('storywatch-') && n.endsWith('.csv'));
  const same: string[] = [];
  for (const n of names) {
    const text = await readFile(join(tmpdir(), n), 'utf8').catch(() => '');
    if (text === content) same.push(n);
  }
  return same;
}

describe('profiles export on Telegram', { timeout: 30_000 }, () => {
  it('GIVEN 3,000 profiles THEN the chat receives the .csv as a document, every active row once, and no temp file stays', async () => {
    const { replies } = await h.say('/profiles export fitness active csv');
    const doc = replies[0]?.document;
    expect(doc?.fileName).toBe('profiles-fitness-active.csv');
    expect(visible(replies[0])).toBe(
      '2700 profiles of niche "fitness" (active) (CSV, every master-list column).',
    );
    const lines = (doc?.content ?? '').trimEnd().split('\n');
    expect(lines[0]?.startsWith('username,niche,status,')).toBe(true);
    const names = lines.slice(1).map((l) => l.split(',')[0]);
    expect(names).toHaveLength(2700);
    expect(new Set(names).size).toBe(2700);
    expect(names).not.toContain('fit_0010');
    // The temporary file it was uploaded from goes once the upload is answered.
    await until(async () => (await leftovers(doc?.content ?? '')).length === 0);
  });

  it('GIVEN a niche that does not exist THEN a text reply naming it, no document', async () => {
    const { replies } = await h.say('/profiles export travel');
    expect(replies[0]?.document).toBeUndefined();
    expect(visible(replies[0])).toContain('No niche named "travel"');
  });
});

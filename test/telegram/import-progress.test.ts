import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, OWNER, startBotHarness, visible } from './harness.js';

const LINES = 200_000;
const bigFile = (prefix: string) => ({
  fileName: `${prefix}.txt`,
  content: Buffer.from(
    `${Array.from({ length: LINES }, (_, i) => `${prefix}_${String(i).padStart(6, '0')}`).join('\n')}\n`,
  ),
});

/** Sends the file with the caption and waits for the import report (progress messages come before it). */
async function importBig(h: BotHarness, prefix: string) {
  const before = h.fake.messagesTo(OWNER).length;
  const callsBefore = h.fake.calls.length;
  h.fake.sendFromUser(OWNER, { caption: '/import fitness', document: bigFile(prefix) });
  const messages = await h.fake.waitFor(() => {
    const all = h.fake.messagesTo(OWNER).slice(before);
    return all.some((m) => visible(m).includes('Import into')) ? all : undefined;
  }, 25_000);
  return { messages, calls: h.fake.calls.slice(callsBefore) };
}

describe('Telegram: a large import shows its progress in a message edited in place', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
    await h.say('/niche add fitness');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN a 200,000-line .txt THEN a progress message is posted, edited up to 100 % before the report arrives', async () => {
    const { messages, calls } = await importBig(h, 'tgbig');
    const [progress, report] = messages;
    console.log(`progress: ${progress?.text} -> ${progress?.edits.join(' -> ')}`);
    expect(progress?.text).toBe('Importing into fitness: 0 of 200,000 usernames (0 %)');
    expect(progress?.edits.length).toBeGreaterThanOrEqual(1);
    expect(visible(progress)).toBe('Importing into fitness: 200,000 of 200,000 usernames (100 %)');
    expect(visible(report)).toContain('Import into fitness: 200,000 profiles added');
    expect(messages).toHaveLength(2);
    // The 100 % edit went out before the report was sent.
    const lastEdit = calls.findLastIndex((c) => c.method === 'editMessageText');
    const reportSent = calls.findIndex(
      (c) => c.method === 'sendMessage' && String(c.params.text).includes('Import into'),
    );
    expect(lastEdit).toBeGreaterThan(-1);
    expect(lastEdit).toBeLessThan(reportSent);
  });

  it('GIVEN Telegram refuses every progress edit (429, retry after 30 s) THEN the import is not held up and its report arrives', async () => {
    h.fake.failNext('editMessageText', 20, 429, { parameters: { retry_after: 30 } });
    const { messages } = await importBig(h, 'tgslow');
    const [progress, report] = messages;
    expect(visible(progress)).toBe('Importing into fitness: 0 of 200,000 usernames (0 %)');
    expect(visible(report)).toContain('Import into fitness: 200,000 profiles added');
  });
});

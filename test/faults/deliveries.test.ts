import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../src/core/db/schema/index.js';
import { deliveryOutcome } from '../../src/delivery/outcome.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import { type ChatSender, PermanentDeliveryError } from '../../src/delivery/types.js';
import { startDeliveryWorker } from '../../src/delivery/worker.js';
import { reply } from '../../src/reply/reply.js';
import { type BotHarness, startBotHarness, visible } from '../telegram/harness.js';

const FAST = { unreachableBackoff: { baseMs: 10, capMs: 60 } };

describe('never lose #14.6: deliveries survive an outage of any length', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GIVEN Telegram answering 502 to 40 sends in a row (the old 10 attempts would have dropped it) THEN the digest arrives once when it is back', async () => {
    const chat = '880001';
    h.fake.failNext('sendMessage', 40, 502, { description: 'Bad Gateway' });
    const producer = createDeliveryProducer(h.app);
    const worker = startDeliveryWorker(h.app, { telegram: h.bot.sender }, FAST);
    try {
      await producer.enqueue({
        target: { platform: 'telegram', chatId: chat },
        reply: reply.text('digest after an outage'),
        dedupeKey: 'digest:outage-502',
      });
      await h.fake.waitFor(
        () => h.fake.messagesTo(Number(chat)).find((m) => visible(m) === 'digest after an outage'),
        20_000,
      );
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await worker.close();
      await producer.close();
    }
    const tries = h.fake.calls.filter(
      (c) => c.method === 'sendMessage' && String(c.params.chat_id) === chat,
    ).length;
    console.log(`502 x40: ${tries} sends, delivered ${h.fake.messagesTo(Number(chat)).length} time(s)`);
    expect(h.fake.messagesTo(Number(chat))).toHaveLength(1);
    expect(tries).toBe(41);
    const [row] = await h.app.core.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.dedupeKey, 'digest:outage-502'));
    expect(row?.status).toBe('sent');
  });

  it('GIVEN a front-end still connecting THEN the delivery waits for it instead of using up its attempts', async () => {
    let calls = 0;
    const connecting: ChatSender = {
      platform: 'discord',
      async send() {
        calls++;
        if (calls <= 15) throw new Error('discord front-end is not connected yet');
        return 'm1';
      },
    };
    const producer = createDeliveryProducer(h.app);
    const worker = startDeliveryWorker(h.app, { discord: connecting }, FAST);
    try {
      await producer.enqueue({
        target: { platform: 'discord', chatId: 'c1' },
        reply: reply.text('summary'),
        dedupeKey: 'summary:connecting',
      });
      for (let i = 0; i < 200 && calls < 16; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await worker.close();
      await producer.close();
    }
    expect(calls).toBe(16);
    const [row] = await h.app.core.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.dedupeKey, 'summary:connecting'));
    expect(row?.status).toBe('sent');
  });

  it('GIVEN the errors each platform throws THEN one table says what happens to the delivery', () => {
    const cases: Array<[unknown, string]> = [
      [new Error('Telegram 502: Bad Gateway'), 'unreachable'],
      [new Error('Discord answered HTTP 503: Service Unavailable'), 'unreachable'],
      [
        Object.assign(new Error('request to https://api.telegram.org failed'), { code: 'ECONNREFUSED' }),
        'unreachable',
      ],
      [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ETIMEDOUT' } }), 'unreachable'],
      [new Error('telegram front-end is not connected yet'), 'unreachable'],
      [new PermanentDeliveryError('Forbidden: bot was blocked by the user', 403), 'refused'],
      [new Error('Telegram 400: Bad Request: message is too long'), 'failed'],
    ];
    for (const [err, outcome] of cases) expect(deliveryOutcome(err)).toBe(outcome);
  });
});

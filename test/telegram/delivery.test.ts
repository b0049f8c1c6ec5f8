import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliveries,
  deliveryTargets,
  detections,
  events,
  niches,
  profiles,
} from '../../src/core/db/schema/index.js';
import { floorToHour } from '../../src/core/time.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import { type Delivery, PermanentDeliveryError, RetryAfterError } from '../../src/delivery/types.js';
import { startDeliveryWorker } from '../../src/delivery/worker.js';
import { reply, textBlock, usernamesBlock } from '../../src/reply/reply.js';
import { runDigestTick } from '../../src/worker/digests.js';
import { type BotHarness, OWNER, startBotHarness, until, visible } from './harness.js';

describe('Telegram delivery (the queue’s sender and the hourly digest)', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const chat = '777001';

  it('GIVEN Telegram answers 429, 403, 400 chat not found or 500 THEN the sender maps each to what the queue does', async () => {
    h.fake.failNext('sendMessage', 1, 429, {
      description: 'Too Many Requests: retry after 3',
      parameters: { retry_after: 3 },
    });
    const rate = await h.bot.sender.send(chat, reply.text('x')).catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(RetryAfterError);
    expect((rate as RetryAfterError).retryAfterMs).toBe(3000);

    h.fake.failNext('sendMessage', 1, 403, { description: 'Forbidden: bot was blocked by the user' });
    const forbidden = await h.bot.sender.send(chat, reply.text('x')).catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(PermanentDeliveryError);

    h.fake.failNext('sendMessage', 1, 400, { description: 'Bad Request: chat not found' });
    const gone = await h.bot.sender.send(chat, reply.text('x')).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PermanentDeliveryError);

    h.fake.failNext('sendMessage', 1, 500, { description: 'Internal Server Error' });
    const server = await h.bot.sender.send(chat, reply.text('x')).catch((e: unknown) => e);
    expect(server).toBeInstanceOf(Error);
    expect(server).not.toBeInstanceOf(RetryAfterError);
    expect(server).not.toBeInstanceOf(PermanentDeliveryError);
    for (const e of [rate, forbidden, gone, server]) expect(String(e)).not.toContain(h.fake.token);
    expect(h.fake.messagesTo(Number(chat))).toHaveLength(0);
  });

  it('GIVEN a replaceMessageId THEN the message is edited in place, and sent anew when it is gone', async () => {
    const id = await h.bot.sender.send(chat, reply.text('checked 10/100'));
    const same = await h.bot.sender.send(chat, reply.text('checked 50/100'), { replaceMessageId: id });
    expect(same).toBe(id);
    const msg = h.fake.messagesTo(Number(chat)).find((m) => String(m.messageId) === id);
    expect(msg?.edits).toEqual(['checked 50/100']);
    const fresh = await h.bot.sender.send(chat, reply.text('checked 60/100'), { replaceMessageId: '999999' });
    expect(fresh).not.toBe(id);
    expect(visible(h.fake.messagesTo(Number(chat)).at(-1))).toBe('checked 60/100');
  });

  it('GIVEN an edit aimed at a document message (a page that was a file) THEN a new message is sent instead of failing', async () => {
    const names = Array.from({ length: 1200 }, (_, i) => `docpage_${String(i).padStart(4, '0')}`);
    await h.bot.sender.send(chat, reply.of([usernamesBlock('Page', names, 'page.txt')]));
    const doc = h.fake.messagesTo(Number(chat)).findLast((m) => m.method === 'sendDocument');
    expect(doc).toBeDefined();
    const id = await h.bot.sender.send(chat, reply.text('page 2 of 2'), {
      replaceMessageId: String(doc!.messageId),
    });
    expect(id).not.toBe(String(doc!.messageId));
    expect(visible(h.fake.messagesTo(Number(chat)).at(-1))).toBe('page 2 of 2');
  });

  it('GIVEN a 2,000-username result THEN it arrives as a .txt document holding every name', async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `found_${String(i).padStart(4, '0')}`);
    const before = h.fake.messagesTo(Number(chat)).length;
    await h.bot.sender.send(
      chat,
      reply.of([textBlock('Batch 7 done: 2000 stories'), usernamesBlock('Stories', names, 'stories-7.txt')]),
    );
    const sent = h.fake.messagesTo(Number(chat)).slice(before);
    expect(sent.map((m) => m.method)).toEqual(['sendMessage', 'sendDocument']);
    const doc = sent[1]?.document;
    expect(doc?.fileName).toBe('stories-7.txt');
    const lines = doc?.content.trim().split('\n') ?? [];
    console.log(`2,000-username result: document ${doc?.fileName} with ${lines.length} lines`);
    expect(lines).toEqual(names);
    expect(sent[1]?.caption).toContain('Stories (2000)');
  });

  it('GIVEN a 429 on the document after the text part went out THEN the sender waits instead of failing, and nothing is sent twice', async () => {
    const names = Array.from({ length: 1500 }, (_, i) => `part_${String(i).padStart(4, '0')}`);
    const before = h.fake.messagesTo(Number(chat)).length;
    h.fake.failNext('sendDocument', 1, 429, {
      description: 'Too Many Requests',
      parameters: { retry_after: 1 },
    });
    await h.bot.sender.send(
      chat,
      reply.of([textBlock('Summary'), usernamesBlock('Found', names, 'found.txt')]),
    );
    const sent = h.fake.messagesTo(Number(chat)).slice(before);
    expect(sent.map((m) => m.method)).toEqual(['sendMessage', 'sendDocument']);
    expect(h.fake.callsOf('sendDocument').length).toBeGreaterThanOrEqual(2);
  });

  it('GIVEN a 500 on the document after the text part of a digest went out THEN the retry sends only the document', async () => {
    const names = Array.from({ length: 1500 }, (_, i) => `retry_${String(i).padStart(4, '0')}`);
    const before = h.fake.messagesTo(Number(chat)).length;
    h.fake.failNext('sendDocument', 1, 500, { description: 'Internal Server Error' });
    const producer = createDeliveryProducer(h.app);
    const worker = startDeliveryWorker(h.app, { telegram: h.bot.sender });
    try {
      await producer.enqueue({
        target: { platform: 'telegram', chatId: chat },
        reply: reply.of([textBlock('Digest in two parts'), usernamesBlock('New', names, 'new.txt')]),
        dedupeKey: 'digest:parts-retry',
      });
      await h.fake.waitFor(
        () =>
          h.fake
            .messagesTo(Number(chat))
            .slice(before)
            .find((m) => m.document),
        20_000,
      );
    } finally {
      await worker.close();
      await producer.close();
    }
    // The digest test below reads the outbox as its own.
    await h.app.core.db.delete(deliveries).where(eq(deliveries.dedupeKey, 'digest:parts-retry'));
    const sent = h.fake.messagesTo(Number(chat)).slice(before);
    console.log(`parts after a 500 on part 2: ${sent.map((m) => m.method).join(', ')}`);
    expect(sent.map((m) => m.method)).toEqual(['sendMessage', 'sendDocument']);
  });

  it('GIVEN a 429 on a command reply THEN the bot waits retry_after and still answers', async () => {
    h.fake.failNext('sendMessage', 1, 429, {
      description: 'Too Many Requests',
      parameters: { retry_after: 1 },
    });
    const { replies } = await h.say('/frobnicate');
    expect(visible(replies[0])).toContain('Unknown command /frobnicate');
  });

  it('GIVEN /digest here and a 429 on the first send THEN the digest is delivered once, also after a restart', async () => {
    const { replies } = await h.say('/digest here');
    expect(visible(replies[0])).toContain('Digest turned on');
    const [niche] = await h.app.core.db
      .insert(niches)
      .values({ name: 'Fitness', position: 1, dailyTarget: 20 })
      .returning();
    await h.app.core.db.insert(profiles).values([
      { username: 'anna', nicheId: niche!.id },
      { username: 'bob', nicheId: niche!.id },
    ]);
    // The subscription starts now; the digest that closes the hour after next covers stories seen before
    // it. Two hours ahead, so the stories always come after the subscription, even in an hour's last minutes.
    const nextHour = new Date(floorToHour(new Date()).getTime() + 2 * 3600_000);
    const tickAt = new Date(nextHour.getTime() + 60_000);
    await h.app.core.db.insert(detections).values([
      { username: 'anna', nicheId: niche!.id, detectedAt: new Date(nextHour.getTime() - 2 * 60_000) },
      { username: 'bob', nicheId: niche!.id, detectedAt: new Date(nextHour.getTime() - 60_000) },
    ]);
    const before = h.fake.messagesTo(OWNER).length;
    h.fake.failNext('sendMessage', 1, 429, {
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });

    const producer = createDeliveryProducer(h.app);
    let worker = startDeliveryWorker(h.app, { telegram: h.bot.sender });
    try {
      expect(
        (
          await runDigestTick(
            { core: h.app.core, deliveries: producer, timeZone: h.app.env.STORYWATCH_TIMEZONE },
            tickAt,
          )
        ).queued,
      ).toBe(1);
      const digest = await h.fake.waitFor(() => h.fake.messagesTo(OWNER).slice(before)[0]);
      expect(visible(digest)).toContain('Fitness, today 2/20, new (2)');
      expect(visible(digest)).toContain('anna');
      // The worker marks the delivery sent right after Telegram answered.
      await until(async () => (await h.app.core.db.select().from(deliveries))[0]?.status === 'sent');
      const [row] = await h.app.core.db.select().from(deliveries);
      const attempts = h.fake
        .callsOf('sendMessage')
        .filter((c) => String(c.params.text).includes('Hourly digest'));
      console.log(
        `digest: ${attempts.length} sendMessage attempts (the first answered 429), 1 message delivered`,
      );
      expect(attempts).toHaveLength(2);

      // A restart: a new worker (one job at a time, so a marker sent last arrives last), the tick and
      // the outbox relay run again, and the digest's own delivery is queued once more.
      await worker.close();
      worker = startDeliveryWorker(h.app, { telegram: h.bot.sender }, { concurrency: 1 });
      expect(
        (
          await runDigestTick(
            { core: h.app.core, deliveries: producer, timeZone: h.app.env.STORYWATCH_TIMEZONE },
            tickAt,
          )
        ).queued,
      ).toBe(0);
      await producer.relayOutbox(0);
      await producer.enqueue(row!.payload as unknown as Delivery);
      await producer.enqueue({
        target: { platform: 'telegram', chatId: String(OWNER) },
        reply: reply.text('marker'),
        dedupeKey: `marker-${Date.now()}`,
      });
      await h.fake.waitFor(() => h.fake.messagesTo(OWNER).some((m) => visible(m) === 'marker'));
      const digests = h.fake.messagesTo(OWNER).filter((m) => visible(m).includes('Hourly digest'));
      console.log(`digest messages in the chat after a restart and a re-enqueue: ${digests.length}`);
      expect(digests).toHaveLength(1);
    } finally {
      await worker.close();
      await producer.close();
    }
  });

  it('GIVEN the chat answers 403 to the digest THEN the target is disabled', async () => {
    const producer = createDeliveryProducer(h.app);
    const worker = startDeliveryWorker(h.app, { telegram: h.bot.sender });
    try {
      h.fake.failNext('sendMessage', 1, 403, { description: 'Forbidden: bot was blocked by the user' });
      await producer.enqueue({
        target: { platform: 'telegram', chatId: String(OWNER) },
        reply: reply.text('digest'),
        dedupeKey: 'digest:test-403',
      });
      await until(async () => {
        const [t] = await h.app.core.db
          .select()
          .from(deliveryTargets)
          .where(eq(deliveryTargets.chatId, String(OWNER)));
        return t?.enabled === false;
      });
    } finally {
      await worker.close();
      await producer.close();
    }
    const [e] = await h.app.core.db.select().from(events).where(eq(events.kind, 'delivery'));
    expect(e?.message).toContain(`Disabled telegram chat ${OWNER}`);
  });
});

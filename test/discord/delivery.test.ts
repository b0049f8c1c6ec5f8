import { and, eq } from 'drizzle-orm';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliveries,
  deliveryTargets,
  detections,
  events,
  niches,
  profiles,
} from '../../src/core/db/schema/index.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import type { DeliveryProducer } from '../../src/delivery/types.js';
import { PermanentDeliveryError, RetryAfterError } from '../../src/delivery/types.js';
import { type DeliveryWorkerHandle, startDeliveryWorker } from '../../src/delivery/worker.js';
import { reply, usernamesBlock } from '../../src/reply/reply.js';
import { runDigestTick } from '../../src/worker/digests.js';
import { type DiscordHarness, startDiscordHarness, until } from './harness.js';

const DIGEST_CHANNEL = '444000000000000101';
const FORBIDDEN_CHANNEL = '444000000000000102';
const SENDER_CHANNEL = '444000000000000103';

describe('Discord deliveries (digests, summaries, progress) through the delivery queue', () => {
  let h: DiscordHarness;
  let producer: DeliveryProducer;
  let worker: DeliveryWorkerHandle;
  const channelPosts = (channelId: string) => h.fake.messagesIn(channelId).filter((m) => m.via === 'channel');

  beforeAll(async () => {
    h = await startDiscordHarness();
    producer = createDeliveryProducer(h.app);
    worker = startDeliveryWorker(h.app, { discord: h.bot.sender });
  });
  afterAll(async () => {
    await worker?.close();
    await producer?.close();
    await h?.close();
  });

  it('GIVEN a channel answers 429 THEN the sender reports retry_after, and 403/404 are permanent refusals', async () => {
    const path = new RegExp(`^/channels/${SENDER_CHANNEL}/messages$`);
    h.fake.failNext({ method: 'POST', path }, { status: 429, retryAfterS: 2 });
    const limited = await h.bot.sender.send(SENDER_CHANNEL, reply.text('hello')).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RetryAfterError);
    expect((limited as RetryAfterError).retryAfterMs).toBeGreaterThanOrEqual(2_000);

    h.fake.failNext({ method: 'POST', path }, { status: 502 });
    const bad = await h.bot.sender.send(SENDER_CHANNEL, reply.text('hello')).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(bad).not.toBeInstanceOf(PermanentDeliveryError);
    expect(bad).not.toBeInstanceOf(RetryAfterError);

    h.fake.failNext(
      { method: 'POST', path },
      { status: 404, body: { message: 'Unknown Channel', code: 10003 } },
    );
    const gone = await h.bot.sender.send(SENDER_CHANNEL, reply.text('hello')).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PermanentDeliveryError);
    expect((gone as PermanentDeliveryError).status).toBe(404);

    // Exactly one attempt each: neither discord.js nor the sender retried behind the queue's back.
    expect(h.fake.requestsTo('POST', path).map((r) => r.status)).toEqual([429, 502, 404]);
  });

  it('GIVEN the rate-limit headers say the bucket is empty THEN the next send is handed back to the queue unsent', async () => {
    const channel = '444000000000000104';
    const path = new RegExp(`^/channels/${channel}/messages$`);
    h.fake.bucketLimit = 2;
    try {
      await h.bot.sender.send(channel, reply.text('one'));
      await h.bot.sender.send(channel, reply.text('two'));
      const third = await h.bot.sender.send(channel, reply.text('three')).catch((e: unknown) => e);
      expect(third).toBeInstanceOf(RetryAfterError);
      expect((third as RetryAfterError).retryAfterMs).toBeGreaterThan(0);
      expect(h.fake.requestsTo('POST', path)).toHaveLength(2);
      const last = h.fake.requestsTo('POST', path).at(-1)!;
      console.log(
        `bucket of 2: third send refused locally, retry after ${(third as RetryAfterError).retryAfterMs} ms`,
      );
      expect(last.status).toBe(200);
    } finally {
      h.fake.bucketLimit = 50;
    }
  });

  it('GIVEN a long list, and undici 7 owning the process-wide dispatcher as in the full process THEN it arrives as a multipart .txt attachment', async () => {
    // The checker imports undici 7 before anything else in `npm start`; its Agent then serves every undici.
    setGlobalDispatcher(new Agent());
    const list = Array.from({ length: 400 }, (_, i) => `digest_user_${i}`);
    const id = await h.bot.sender.send(
      SENDER_CHANNEL,
      reply.of([usernamesBlock('Travel', list, 'travel.txt')]),
    );
    const m = h.fake.messages.find((x) => x.id === id)!;
    expect(m.content.length).toBeLessThanOrEqual(2000);
    expect(m.attachments.map((a) => a.filename)).toEqual(['travel.txt']);
    expect(m.attachments[0]!.content.toString().trim().split('\n')).toEqual(list);
  });

  it('GIVEN a message to replace THEN it is edited in place, and a deleted one is posted anew', async () => {
    const id = await h.bot.sender.send(SENDER_CHANNEL, reply.text('Batch 7: 10/100 checked'));
    const same = await h.bot.sender.send(SENDER_CHANNEL, reply.text('Batch 7: 50/100 checked'), {
      replaceMessageId: id,
    });
    expect(same).toBe(id);
    const m = h.fake.messages.find((x) => x.id === id)!;
    expect(m.history.map((s) => s.content)).toEqual(['Batch 7: 10/100 checked', 'Batch 7: 50/100 checked']);
    const fresh = await h.bot.sender.send(SENDER_CHANNEL, reply.text('Batch 7: 60/100 checked'), {
      replaceMessageId: '1300000000000000999',
    });
    expect(fresh).not.toBe(id);
  });

  it('GIVEN /digest here and a 429 on the first send THEN the hourly digest arrives once, after the wait', async () => {
    await h.run({ command: 'digest', subcommand: 'here', channelId: DIGEST_CHANNEL });
    const [niche] = await h.app.core.db.insert(niches).values({ name: 'Fitness', position: 1 }).returning();
    await h.app.core.db.insert(profiles).values([
      { username: 'anna_fit', nicheId: niche!.id },
      { username: 'bob_fit', nicheId: niche!.id },
    ]);
    const seen = new Date(Date.now() + 60_000);
    await h.app.core.db.insert(detections).values([
      { username: 'anna_fit', nicheId: niche!.id, detectedAt: seen },
      { username: 'bob_fit', nicheId: niche!.id, detectedAt: seen },
    ]);
    const path = new RegExp(`^/channels/${DIGEST_CHANNEL}/messages$`);
    h.fake.failNext({ method: 'POST', path }, { status: 429, retryAfterS: 1 });

    const tickAt = new Date(Date.now() + 2 * 3600_000);
    expect(
      (
        await runDigestTick(
          { core: h.app.core, deliveries: producer, timeZone: h.app.env.STORYWATCH_TIMEZONE },
          tickAt,
        )
      ).queued,
    ).toBe(1);
    await h.fake.waitFor(() => channelPosts(DIGEST_CHANNEL).length === 1, 15_000);
    const [digest] = channelPosts(DIGEST_CHANNEL);
    expect(digest!.content).toContain('anna_fit');
    expect(digest!.content).toContain('bob_fit');
    expect(h.fake.requestsTo('POST', path).map((r) => r.status)).toEqual([429, 200]);

    // Once recorded as sent, the same hour again (tick re-run, outbox relay) is not sent again.
    await until(
      async () =>
        (await h.app.core.db.select().from(deliveries).where(eq(deliveries.status, 'sent'))).length === 1,
    );
    expect(
      (
        await runDigestTick(
          { core: h.app.core, deliveries: producer, timeZone: h.app.env.STORYWATCH_TIMEZONE },
          tickAt,
        )
      ).queued,
    ).toBe(0);
    await producer.relayOutbox(0);
    const [row] = await h.app.core.db.select().from(deliveries).where(eq(deliveries.status, 'sent'));
    expect(row?.dedupeKey).toMatch(/^digest:/);
    await new Promise((r) => setTimeout(r, 500));
    expect(channelPosts(DIGEST_CHANNEL)).toHaveLength(1);
    console.log(
      `digest: POST statuses ${h.fake
        .requestsTo('POST', path)
        .map((r) => r.status)
        .join(', ')}; delivered 1`,
    );
  });

  it('GIVEN Discord answers 502 THEN the digest is retried with backoff and delivered once', async () => {
    const channel = '444000000000000105';
    await h.run({ command: 'digest', subcommand: 'here', channelId: channel });
    const [niche] = await h.app.core.db.select().from(niches).limit(1);
    await h.app.core.db.insert(profiles).values({ username: 'erin_fit', nicheId: niche!.id });
    await h.app.core.db
      .insert(detections)
      .values({ username: 'erin_fit', nicheId: niche!.id, detectedAt: new Date(Date.now() + 90_000) });
    const path = new RegExp(`^/channels/${channel}/messages$`);
    h.fake.failNext({ method: 'POST', path }, { status: 502 });
    await runDigestTick(
      { core: h.app.core, deliveries: producer, timeZone: h.app.env.STORYWATCH_TIMEZONE },
      new Date(Date.now() + 4 * 3600_000),
    );
    await h.fake.waitFor(() => channelPosts(channel).length === 1, 20_000);
    expect(channelPosts(channel)[0]!.content).toContain('erin_fit');
    expect(h.fake.requestsTo('POST', path).map((r) => r.status)).toEqual([502, 200]);
  });

  it('GIVEN a channel that answers 403 THEN the digest target is disabled, logged, and not retried', async () => {
    await h.run({ command: 'digest', subcommand: 'here', channelId: FORBIDDEN_CHANNEL });
    h.fake.setChannelState(FORBIDDEN_CHANNEL, 'forbidden');
    const [niche] = await h.app.core.db.select().from(niches).limit(1);
    await h.app.core.db.insert(profiles).values({ username: 'cara_fit', nicheId: niche!.id });
    await h.app.core.db
      .insert(detections)
      .values({ username: 'cara_fit', nicheId: niche!.id, detectedAt: new Date(Date.now() + 120_000) });
    await runDigestTick(
      { core: h.app.core, deliveries: producer, timeZone: h.app.env.STORYWATCH_TIMEZONE },
      new Date(Date.now() + 3 * 3600_000),
    );
    const target = and(
      eq(deliveryTargets.platform, 'discord'),
      eq(deliveryTargets.chatId, FORBIDDEN_CHANNEL),
    );
    await until(async () => {
      const [t] = await h.app.core.db.select().from(deliveryTargets).where(target);
      return t?.enabled === false;
    });
    const [t] = await h.app.core.db.select().from(deliveryTargets).where(target);
    expect(t?.disabledReason).toContain('Missing Access');
    const logged = await h.app.core.db.select().from(events).where(eq(events.kind, 'delivery'));
    expect(logged.some((e) => e.message.includes(FORBIDDEN_CHANNEL))).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const tries = h.fake.requestsTo('POST', new RegExp(`^/channels/${FORBIDDEN_CHANNEL}/messages$`));
    expect(tries.map((r) => r.status)).toEqual([403]);
    console.log(`403 channel: 1 attempt, target disabled (${t?.disabledReason})`);
  });
});

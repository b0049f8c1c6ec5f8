import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveries, deliveryTargets, events } from '../../src/core/db/schema/index.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import { createProgressMessages } from '../../src/delivery/progress.js';
import {
  type ChatSender,
  type Delivery,
  PermanentDeliveryError,
  RetryAfterError,
} from '../../src/delivery/types.js';
import { startDeliveryWorker } from '../../src/delivery/worker.js';
import { type Reply, renderPlain as renderPlainText, reply } from '../../src/reply/reply.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/** A platform sender that records what it sent and fails as scripted (the adapter side, not a module mock). */
class ScriptedSender implements ChatSender {
  readonly platform = 'telegram' as const;
  readonly sent: Array<{ chatId: string; reply: Reply; replaceMessageId?: string; at: number }> = [];
  readonly failures: Error[] = [];
  calls = 0;
  private nextId = 100;
  async send(chatId: string, r: Reply, options: { replaceMessageId?: string } = {}): Promise<string> {
    this.calls++;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push({ chatId, reply: r, replaceMessageId: options.replaceMessageId, at: Date.now() });
    return options.replaceMessageId ?? String(this.nextId++);
  }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const digest = (dedupeKey: string, chatId = '42'): Delivery => ({
  target: { platform: 'telegram', chatId },
  reply: reply.text('3 new stories'),
  dedupeKey,
});

describe('delivery queue', () => {
  let app: TestApp;
  let sender: ScriptedSender;
  let handle: ReturnType<typeof startDeliveryWorker> | undefined;

  beforeEach(async () => {
    app = await createTestApp();
    sender = new ScriptedSender();
  });
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
    await app.destroy();
  });

  it('GIVEN the platform answers 429 with retry_after THEN the digest waits that long and is delivered once', async () => {
    sender.failures.push(new RetryAfterError('Too Many Requests', 700));
    handle = startDeliveryWorker(app, { telegram: sender });
    const queuedAt = Date.now();
    await app.deliveries.enqueue(digest('digest:1:2026-11-23T20:00:00.000Z'));
    await until(() => sender.sent.length === 1);
    expect(sender.calls).toBe(2);
    expect(sender.sent[0]!.at - queuedAt).toBeGreaterThanOrEqual(700);
    const [row] = await app.core.db.select().from(deliveries);
    expect(row).toMatchObject({ status: 'sent' });
  });

  it('GIVEN the same digest is queued twice, even after a restart THEN it is sent once', async () => {
    handle = startDeliveryWorker(app, { telegram: sender });
    await app.deliveries.enqueue(digest('digest:1:2026-11-23T21:00:00.000Z'));
    await until(() => sender.sent.length === 1);
    await app.deliveries.enqueue(digest('digest:1:2026-11-23T21:00:00.000Z'));
    // A restart: new worker, and the queue's memory of the job gone (only Postgres remembers).
    await handle.close();
    await app.deliveries.close();
    await app.wipeRedis();
    handle = startDeliveryWorker(app, { telegram: sender });
    await app.deliveries.enqueue(digest('digest:1:2026-11-23T21:00:00.000Z'));
    await app.deliveries.enqueue(digest('digest:1:2026-11-23T22:00:00.000Z'));
    await until(() => sender.calls >= 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(sender.sent.map((s) => s.reply.blocks)).toHaveLength(2);
  });

  it('GIVEN the chat answers 403 THEN the target is disabled, logged as an event, and not retried', async () => {
    const [target] = await app.core.db
      .insert(deliveryTargets)
      .values({ platform: 'telegram', chatId: '77' })
      .returning();
    sender.failures.push(new PermanentDeliveryError('Forbidden: bot was kicked from the group chat', 403));
    handle = startDeliveryWorker(app, { telegram: sender });
    await app.deliveries.enqueue(digest('digest:x:1', '77'));
    await until(async () => {
      const [t] = await app.core.db.select().from(deliveryTargets).where(eq(deliveryTargets.id, target!.id));
      return t?.enabled === false;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(sender.calls).toBe(1);
    const [t] = await app.core.db.select().from(deliveryTargets);
    expect(t!.disabledReason).toContain('kicked');
    const logged = await app.core.db.select().from(events).where(eq(events.kind, 'delivery'));
    expect(logged.map((e) => e.message).join()).toContain('Disabled telegram chat 77');
  });

  it('GIVEN a 5xx from the platform THEN the delivery is retried with backoff until it succeeds', async () => {
    sender.failures.push(new Error('502 Bad Gateway'), new Error('500 Internal Server Error'));
    handle = startDeliveryWorker(app, { telegram: sender });
    await app.deliveries.enqueue(digest('summary:batch:9'));
    await until(() => sender.sent.length === 1, 20_000);
    expect(sender.calls).toBe(3);
  });

  it('GIVEN a progress message was remembered THEN progress deliveries edit it instead of posting new ones', async () => {
    handle = startDeliveryWorker(app, { telegram: sender });
    await createProgressMessages(app).remember({
      platform: 'telegram',
      chatId: '42',
      replaceKey: 'batch:5:progress',
      messageId: '555',
    });
    for (const checked of [10, 20]) {
      await app.deliveries.enqueue({
        ...digest(`batch:5:progress:${checked}`),
        reply: reply.text(`${checked}/50 checked`),
        replaceKey: 'batch:5:progress',
      });
    }
    await until(() => sender.sent.length === 2);
    expect(sender.sent.map((s) => s.replaceMessageId)).toEqual(['555', '555']);
  });

  it('GIVEN an older progress edit retried after a 429 lands after the final state THEN it is dropped, not shown', async () => {
    await createProgressMessages(app).remember({
      platform: 'telegram',
      chatId: '42',
      replaceKey: 'batch:6:progress',
      messageId: '666',
    });
    const progress = (checked: number, seq: number, text: string): Delivery => ({
      ...digest(`batch:6:progress:${checked}`),
      reply: reply.text(text),
      replaceKey: 'batch:6:progress',
      seq,
    });
    // The 40% edit is answered 429 and waits; meanwhile the batch ends and its final edit goes out.
    sender.failures.push(new RetryAfterError('Too Many Requests', 800));
    handle = startDeliveryWorker(app, { telegram: sender }, { concurrency: 1 });
    await app.deliveries.enqueue(progress(20, 40, '20/50 checked (40%)'));
    await until(() => sender.calls === 1);
    await app.deliveries.enqueue(progress(50, 101, 'completed, 50/50 checked'));
    await until(() => sender.sent.length === 1);
    await new Promise((r) => setTimeout(r, 1_500));
    console.log(`edits shown, in order: ${sender.sent.map((s) => renderPlainText(s.reply)).join(' | ')}`);
    expect(sender.sent.map((s) => renderPlainText(s.reply))).toEqual(['completed, 50/50 checked']);
  });

  it('GIVEN an outbox row that never reached the queue THEN the relay queues it and it is delivered', async () => {
    const lost = digest('digest:3:2026-11-23T19:00:00.000Z');
    await app.core.db.insert(deliveries).values({
      dedupeKey: lost.dedupeKey,
      payload: lost as unknown as Record<string, unknown>,
      createdAt: new Date(Date.now() - 5 * 60_000),
    });
    handle = startDeliveryWorker(app, { telegram: sender });
    const producer = createDeliveryProducer(app);
    try {
      expect(await producer.relayOutbox()).toBe(1);
      await until(() => sender.sent.length === 1);
    } finally {
      await producer.close();
    }
  });
});

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { deliverCheckerAlert } from '../../src/app/alerts.js';
import { readRouteView } from '../../src/checker/index.js';
import { createBatch, finishBatch, getBatch, startBatch } from '../../src/core/batches/index.js';
import { deliveries, deliveryTargets, detections, niches, profiles } from '../../src/core/db/schema/index.js';
import { floorToHour } from '../../src/core/time.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import { type ChatSender, DELIVERIES_QUEUE, type Delivery } from '../../src/delivery/types.js';
import { startDeliveryWorker } from '../../src/delivery/worker.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { relayBatchSummaries } from '../../src/worker/batch-messages.js';
import { createBatchQueue } from '../../src/worker/batch-queue.js';
import { runDigestTick } from '../../src/worker/digests.js';
import { setSettings } from '../helpers/batch-fixtures.js';
import { createTestDatabase } from '../helpers/db.js';
import { freePort, startRedis } from '../helpers/redis-server.js';
import { startBotHarness, visible } from '../telegram/harness.js';
import { createTestApp, deleteRedisPrefix, newPrefix, waitFor } from '../worker/support.js';
import { createWorld, spawnWorker, type WorkerChild } from '../worker/world.js';

/**
 * The fault drill of issue 14: what the operator would live through, end to end. Each case runs the
 * real processes, Postgres, Redis and the fakes, and asserts that nothing was lost or doubled.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function worker(env: Record<string, string>): Promise<WorkerChild> {
  const w = await spawnWorker(env);
  cleanups.push(async () => {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.exited;
  });
  return w;
}

describe('never lose #14 fault drill', () => {
  it('GIVEN Telegram unreachable while a digest, a batch summary and an alert are due THEN, when it is back, each arrives exactly once', async () => {
    const h = await startBotHarness();
    cleanups.push(() => h.close());
    const app = h.app;
    const chat = '990001';
    await app.core.db.insert(deliveryTargets).values({ platform: 'telegram', chatId: chat });
    const [niche] = await app.core.db.insert(niches).values({ name: 'Drill', position: 1 }).returning();
    await app.core.db.insert(profiles).values({ username: 'drill_anna', nicheId: niche!.id });
    const hour = floorToHour(new Date());
    await app.core.db.insert(detections).values({
      username: 'drill_anna',
      nicheId: niche!.id,
      detectedAt: new Date(hour.getTime() - 30 * 60_000),
    });
    const batch = await createBatch(app.core, {
      niche: 'drill',
      count: 1,
      trigger: 'manual',
      allowDirect: true,
      origin: { platform: 'telegram', chatId: chat },
    });
    await startBatch(app.core, batch.id);

    // Telegram goes away: nothing listens on its port.
    await h.fake.pause();
    const producer = createDeliveryProducer(app);
    cleanups.push(() => producer.close());
    // The production backoff (2 s doubling to 5 min) makes about 12 tries in 30 minutes; the same
    // tries, compressed.
    const deliveryWorker = startDeliveryWorker(
      app,
      { telegram: h.bot.sender },
      { unreachableBackoff: { baseMs: 20, capMs: 150 } },
    );
    cleanups.push(() => deliveryWorker.close());
    expect(
      (
        await runDigestTick(
          { core: app.core, deliveries: producer, timeZone: app.env.STORYWATCH_TIMEZONE },
          new Date(hour.getTime() + 60_000),
        )
      ).queued,
    ).toBe(1);
    await finishBatch(app.core, batch.id);
    expect(await relayBatchSummaries(app, { batchId: batch.id })).toBe(1);
    await deliverCheckerAlert(app, {
      kind: 'session_disabled',
      key: 'session:9:disabled:1',
      sessionId: 9,
      message: 'Instagram refused session #9 (drill)',
    });

    const queue = new Queue<Delivery>(DELIVERIES_QUEUE, {
      connection: { url: app.env.REDIS_URL },
      prefix: app.env.QUEUE_PREFIX,
    });
    cleanups.push(() => queue.close());
    const tries = async () =>
      (await queue.getJobs(['delayed', 'waiting', 'active'])).map((j) => j.data.unreachableTries ?? 0);
    await waitFor(
      '12 tries each while Telegram is away',
      async () => {
        const t = await tries();
        return t.length >= 3 && t.every((n) => n >= 12) ? t : undefined;
      },
      60_000,
      100,
    );
    console.log(`while Telegram was unreachable: tries per delivery ${JSON.stringify(await tries())}`);

    await h.fake.resume();
    const texts = () => h.fake.messagesTo(Number(chat)).map((m) => visible(m));
    await waitFor(
      'all three delivered',
      async () => {
        const t = texts();
        return t.some((x) => x.includes('Hourly digest')) &&
          t.some((x) => x.includes(`Batch #${batch.id}`)) &&
          t.some((x) => x.includes('session #9'))
          ? t
          : undefined;
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const t = texts();
    console.log(
      `after Telegram came back: ${t.length} messages: ${t.map((x) => x.split('\n')[0]).join(' | ')}`,
    );
    expect(t.filter((x) => x.includes('Hourly digest'))).toHaveLength(1);
    expect(t.filter((x) => x.includes('session #9'))).toHaveLength(1);
    // The summary and the final progress edit (posted anew: its first message was never sent).
    expect(t.filter((x) => x.includes(`Batch #${batch.id}`) && !x.includes('%)'))).toHaveLength(1);
    expect(t.filter((x) => x.includes(`Batch #${batch.id}`) && x.includes('%)'))).toHaveLength(1);
    const rows = await app.core.db.select().from(deliveries);
    expect(rows.filter((r) => r.status !== 'sent').map((r) => r.dedupeKey)).toEqual([]);
  }, 120_000);

  it('GIVEN Redis killed for 60 s under a running batch THEN /metrics answers within 2 s throughout, and the batch completes with every profile counted once', async () => {
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    let redis = await startRedis(port);
    cleanups.push(async () => void redis.kill('SIGKILL'));
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const N = 200;
    const world = await createWorld(db.sql, { users: N, proxies: 2, latencyMs: 60, niche: 'Outage' });
    cleanups.push(() => world.close());
    await setSettings(db.sql, { threads: 2, profilesPerMinute: 600 });
    const prefix = newPrefix();
    const app = createTestApp(db.url, prefix, { REDIS_URL: redisUrl });
    cleanups.push(() => Promise.race([app.close(), new Promise((r) => setTimeout(r, 3_000))]));
    await worker({
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      INSTAGRAM_WEB_URL: world.fake.url,
      PROXY_REQUESTS_PER_MINUTE: '600',
      CHECK_TIMEOUT_MS: '3000',
    });
    const metricsRedis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    metricsRedis.on('error', () => {});
    cleanups.push(async () => metricsRedis.disconnect());
    const countsQueue = new Queue('batches', { connection: metricsRedis, prefix });
    countsQueue.on('error', () => {});
    const metrics = createMetricsRegistry({
      sql: db.sql,
      timeZone: 'UTC',
      queues: () => [countsQueue],
      routes: () => readRouteView(metricsRedis, `${prefix}:checker`),
    });
    const b = await createBatch(app.core, {
      niche: 'outage',
      count: N,
      trigger: 'manual',
      allowDirect: false,
    });
    const q = createBatchQueue(app);
    await q.enqueueBatch(b.id);
    await q.close();
    await waitFor('progress', async () => ((await getBatch(app.core, b.id))?.checked ?? 0) >= 30, 30_000, 50);
    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    const atKill = (await getBatch(app.core, b.id))?.checked ?? 0;
    const scrapes: number[] = [];
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const t0 = Date.now();
      const text = await metrics.metrics();
      scrapes.push(Date.now() - t0);
      expect(text).toContain('storywatch_collector_up{collector="queues"} 0');
      await new Promise((r) => setTimeout(r, 2_000));
    }
    redis = await startRedis(port);
    const done = await waitFor(
      'completed',
      async () => {
        const got = await getBatch(app.core, b.id);
        return got?.status === 'completed' ? got : undefined;
      },
      90_000,
      250,
    );
    const [items] =
      await db.sql`select count(*) filter (where outcome is null)::int as open, count(*)::int as total from batch_items where batch_id = ${b.id}`;
    const [prof] =
      await db.sql`select sum(total_checks)::int as checks, max(total_checks)::int as most from profiles`;
    console.log(
      `Redis down 60 s from ${atKill}/${N}: ${scrapes.length} scrapes, slowest ${Math.max(...scrapes)} ms; batch ${done.status}, checked ${done.checked}, profile checks ${prof!.checks} (max ${prof!.most}), Instagram requests ${world.fake.requests.length}`,
    );
    expect(Math.max(...scrapes)).toBeLessThan(2_000);
    expect(done.checked).toBe(N);
    expect(items).toEqual({ open: 0, total: N });
    expect(prof).toEqual({ checks: N, most: 1 });
  }, 240_000);

  it('GIVEN a worker SIGKILLed just after it closed a batch THEN the summary still reaches the chat, once', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const world = await createWorld(db.sql, { users: 20, proxies: 2, latencyMs: 20, niche: 'Killed' });
    cleanups.push(() => world.close());
    await setSettings(db.sql, { threads: 3, profilesPerMinute: 600 });
    const prefix = newPrefix();
    cleanups.push(() => deleteRedisPrefix(prefix));
    const app = createTestApp(db.url, prefix);
    cleanups.push(() => app.close());
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: prefix,
      INSTAGRAM_WEB_URL: world.fake.url,
      PROXY_REQUESTS_PER_MINUTE: '600',
      CHECK_TIMEOUT_MS: '3000',
    };
    // The moment the batch row turns completed, Postgres tells us, and the worker is killed.
    await db.sql.unsafe(`
      create function drill_closed() returns trigger language plpgsql as $$
      begin
        if new.status = 'completed' and old.status <> 'completed' then perform pg_notify('drill_closed', new.id::text); end if;
        return new;
      end $$;
      create trigger drill_closed after update on batches for each row execute function drill_closed();`);
    const a = await worker(env);
    const listener = postgres(db.url, { max: 1, onnotice: () => {} });
    cleanups.push(() => listener.end({ timeout: 2 }));
    let killedAt = 0;
    await listener.listen('drill_closed', () => {
      killedAt = Date.now();
      a.child.kill('SIGKILL');
    });
    const b = await createBatch(app.core, {
      niche: 'killed',
      count: 20,
      trigger: 'manual',
      allowDirect: false,
      origin: { platform: 'telegram', chatId: '5150' },
    });
    const q = createBatchQueue(app);
    await q.enqueueBatch(b.id);
    await q.close();
    await a.exited;
    expect(killedAt).toBeGreaterThan(0);
    expect((await getBatch(app.core, b.id))?.status).toBe('completed');
    // A later worker's sweep relays the end from the outbox; a sender counts what reaches the chat.
    await worker(env);
    const sent: string[] = [];
    const sender: ChatSender = {
      platform: 'telegram',
      async send(chatId, r) {
        sent.push(`${chatId} ${JSON.stringify(r.blocks[0])}`);
        return String(sent.length);
      },
    };
    const delivery = startDeliveryWorker(app, { telegram: sender });
    cleanups.push(() => delivery.close());
    await waitFor(
      'summary sent',
      async () => sent.some((x) => x.includes(`Batch #${b.id}`) && x.includes('completed')),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const summaries = sent.filter((x) => x.includes(`Batch #${b.id}`) && !x.includes('%)'));
    console.log(
      `worker killed ${Date.now() - killedAt} ms ago right after closing batch #${b.id}; chat received: ${sent.length} messages, ${summaries.length} summary`,
    );
    expect(summaries).toHaveLength(1);
    const [row] = await app.core.db.select().from(deliveries);
    expect(row?.status).toBe('sent');
  }, 120_000);
});

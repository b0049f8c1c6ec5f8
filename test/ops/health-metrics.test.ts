import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthChecks, SCHEDULER_STALE_MS } from '../../src/app/health-checks.js';
import { RouteHealth, readRouteView } from '../../src/checker/route-health.js';
import { type HttpServerHandle, startHttpServer } from '../../src/http/server.js';
import { createMetricsRegistry } from '../../src/observability/metrics.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Parts {
  bots: Array<{ platform: string; connected: boolean }>;
  lastTick?: Date | null;
  redisUrl?: string;
}

describe('/healthz and /metrics on real Postgres and Redis', () => {
  let app: TestApp;
  let queue: Queue;
  const opened: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    app = await createTestApp();
    queue = new Queue(`batches-${randomUUID()}`, {
      connection: { url: app.env.REDIS_URL },
      prefix: app.env.QUEUE_PREFIX,
    });
  });
  afterAll(async () => {
    for (const close of opened) await close();
    await queue.obliterate({ force: true });
    await queue.close();
    await app.destroy();
  });

  async function serve(parts: Parts): Promise<HttpServerHandle> {
    const appView = parts.redisUrl ? { ...app, env: { ...app.env, REDIS_URL: parts.redisUrl } } : app;
    const health = createHealthChecks(appView, {
      bots: () => parts.bots,
      ...(parts.lastTick !== undefined ? { lastSchedulerTick: () => parts.lastTick ?? null } : {}),
      startedAt: new Date(),
    });
    const metrics = createMetricsRegistry({
      sql: app.database.sql,
      timeZone: 'UTC',
      queues: () => [queue],
      bots: () => parts.bots,
    });
    const http = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      log: app.log,
      health: health.checks,
      metrics,
    });
    opened.push(async () => {
      await http.stop();
      await health.close();
    });
    // The health probe's own Redis connection needs a moment to become ready.
    for (let i = 0; i < 50 && !parts.redisUrl; i++) {
      const res = await fetch(`http://127.0.0.1:${http.port}/healthz`);
      if (res.status === 200 || parts.bots.some((b) => !b.connected) || parts.lastTick !== undefined) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return http;
  }

  async function healthz(http: HttpServerHandle) {
    const res = await fetch(`http://127.0.0.1:${http.port}/healthz`);
    return {
      status: res.status,
      body: (await res.json()) as {
        failing: string[];
        parts: Record<string, { ok: boolean; error?: string }>;
      },
    };
  }

  it('GIVEN Postgres, Redis and a connected bot THEN /healthz answers 200 naming each part', async () => {
    const http = await serve({ bots: [{ platform: 'telegram', connected: true }] });
    const { status, body } = await healthz(http);
    console.log('healthz ok:', JSON.stringify(body));
    expect(status).toBe(200);
    expect(body.failing).toEqual([]);
    expect(Object.keys(body.parts).sort()).toEqual(['postgres', 'redis', 'telegram']);
  });

  it('GIVEN Redis on a dead port THEN /healthz answers 503 naming redis and only redis', async () => {
    const http = await serve({ bots: [], redisUrl: `redis://127.0.0.1:${await deadPort()}` });
    const { status, body } = await healthz(http);
    console.log('healthz dead redis:', JSON.stringify(body));
    expect(status).toBe(503);
    expect(body.failing).toEqual(['redis']);
    expect(body.parts.postgres?.ok).toBe(true);
  });

  it('GIVEN a disconnected Discord bot and a stale scheduler THEN /healthz answers 503 naming both', async () => {
    const http = await serve({
      bots: [
        { platform: 'telegram', connected: true },
        { platform: 'discord', connected: false },
      ],
      lastTick: new Date(Date.now() - SCHEDULER_STALE_MS - 60_000),
    });
    const { status, body } = await healthz(http);
    console.log('healthz bot+scheduler:', JSON.stringify(body));
    expect(status).toBe(503);
    expect(body.failing.sort()).toEqual(['discord', 'scheduler']);
    expect(body.parts.scheduler?.error).toMatch(/last tick \d+ s ago/);
  });

  it('GIVEN batches, proxies, detections, deliveries, imports and queued jobs THEN /metrics reports them', async () => {
    const sql = app.database.sql;
    const [niche] = await sql<{ id: number }[]>`
      insert into niches (name, position) values ('fitness', 1) returning id`;
    await sql`insert into profiles (username, niche_id) values ('anna', ${niche!.id}), ('ben', ${niche!.id})`;
    const [batch] = await sql<{ id: number }[]>`
      insert into batches (niche_id, niche_name, trigger, requested, status, started_at, finished_at,
                           checked, stories, private, not_found, deleted, errors)
      values (${niche!.id}, 'fitness', 'manual', 10, 'completed', now() - interval '200 seconds', now(),
              10, 3, 1, 1, 1, '{"rate_limited": 2}')
      returning id`;
    await sql`insert into detections (username, niche_id, batch_id) values ('anna', ${niche!.id}, ${batch!.id})`;
    await sql`
      insert into proxies (host, port, username, password_enc, successes, failures, failures_by_outcome,
                           recent_latencies_ms, cooling_until, cooldown_level)
      values ('10.0.0.9', 8000, 'user1', 'ciphertext', 40, 5, '{"rate_limited": 4, "proxy_failed": 1}',
              '[100, 300, 200]', now() + interval '120 seconds', 2)`;
    await sql`insert into deliveries (dedupe_key, status) values ('digest:1:a', 'sent'), ('digest:1:b', 'queued')`;
    await sql`insert into events (kind, message, data)
              values ('import', 'imported', '{"added": 7, "alreadyPresent": 2, "repeated": 1, "malformed": 3}')`;
    await queue.add('batch', { batchId: batch!.id });

    const http = await serve({ bots: [{ platform: 'telegram', connected: true }] });
    const res = await fetch(`http://127.0.0.1:${http.port}/metrics`);
    const text = await res.text();
    const lines = text
      .split('\n')
      .filter((l) => l.startsWith('storywatch_') && !l.startsWith('storywatch_process_'));
    console.log(lines.join('\n'));
    expect(res.status).toBe(200);
    const value = (prefix: string) =>
      Number(
        lines
          .find((l) => l.startsWith(`${prefix} `))
          ?.split(' ')
          .at(-1),
      );
    expect(value('storywatch_checks_total{outcome="story"}')).toBe(3);
    // 10 checked = 3 stories + 1 private + 2 not found (one of them deleted) + 2 errors + 2 without a story.
    expect(value('storywatch_checks_total{outcome="no_story"}')).toBe(2);
    expect(value('storywatch_checks_total{outcome="not_found"}')).toBe(2);
    expect(value('storywatch_checks_total{outcome="rate_limited"}')).toBe(2);
    expect(value('storywatch_stories_found_total')).toBe(3);
    expect(value('storywatch_stories_today{niche="fitness"}')).toBe(1);
    expect(value('storywatch_batch_duration_seconds_count{status="completed",trigger="manual"}')).toBe(1);
    expect(
      value('storywatch_batch_duration_seconds_bucket{le="300",status="completed",trigger="manual"}'),
    ).toBe(1);
    expect(value(`storywatch_queue_jobs{queue="${queue.name}",state="waiting"}`)).toBe(1);
    const p = 'proxy="1",address="10.0.0.9:8000"';
    expect(value(`storywatch_proxy_requests_total{${p},result="success"}`)).toBe(40);
    expect(value(`storywatch_proxy_failures_total{${p},outcome="rate_limited"}`)).toBe(4);
    expect(value(`storywatch_proxy_latency_median_seconds{${p}}`)).toBe(0.2);
    expect(value(`storywatch_proxy_cooldown_seconds{${p}}`)).toBeGreaterThan(100);
    expect(value(`storywatch_proxy_cooldown_level{${p}}`)).toBe(2);
    expect(value('storywatch_deliveries{status="sent"}')).toBe(1);
    expect(value('storywatch_imports_total')).toBe(1);
    expect(value('storywatch_imported_usernames_total{result="added"}')).toBe(7);
    expect(value('storywatch_imported_usernames_total{result="malformed"}')).toBe(3);
    expect(value('storywatch_bot_connected{platform="telegram"}')).toBe(1);
    // The proxy's user and password never become labels.
    expect(text).not.toMatch(/user1|ciphertext/);
  });

  it('never lose #14.10: GIVEN route answers recorded by a worker THEN /metrics has per-route counters; with Redis not answering it still answers within 2 s, last values and collector_up 0', async () => {
    const prefix = `${app.env.QUEUE_PREFIX}:checker`;
    const redis = new Redis(app.env.REDIS_URL);
    opened.push(async () => void redis.disconnect());
    const health = new RouteHealth(redis, prefix);
    health.count('reel_query', 'ok');
    health.count('reel_query', 'ok');
    health.count('web_profile_info', 'wall');
    await health.stop();
    await health.recordBad('reel_query', 'p1', 'retired', 'HTTP 400 execution error', 1);
    let redisUp = true;
    // A queue whose counts never come, as BullMQ's do while Redis is down.
    const stuckQueue = {
      name: 'batches',
      getJobCounts: () =>
        redisUp ? Promise.resolve({ waiting: 2 }) : new Promise<Record<string, number>>(() => {}),
    };
    const metrics = createMetricsRegistry({
      sql: app.database.sql,
      timeZone: 'UTC',
      queues: () => [stuckQueue],
      routes: () => (redisUp ? readRouteView(redis, prefix) : new Promise(() => {})),
    });
    const scrape = async () => {
      const started = Date.now();
      const text = await metrics.metrics();
      return { text, ms: Date.now() - started };
    };
    const up = await scrape();
    const lines = up.text.split('\n').filter((l) => l.startsWith('storywatch_instagram_'));
    console.log(lines.join('\n'));
    expect(lines).toContain('storywatch_instagram_route_answers_total{route="reel_query",answer="ok"} 2');
    expect(lines).toContain(
      'storywatch_instagram_route_answers_total{route="web_profile_info",answer="wall"} 1',
    );
    expect(lines).toContain('storywatch_instagram_route_usable{route="reel_query"} 0');
    expect(lines).toContain('storywatch_instagram_route_usable{route="reels_media"} 1');
    // Redis stops answering: the route collectors give up after their deadline and serve the last values.
    redisUp = false;
    await new Promise((r) => setTimeout(r, 1_100));
    const down = await scrape();
    console.log(`scrape with Redis not answering: ${down.ms} ms`);
    expect(down.ms).toBeLessThan(2_000);
    expect(down.text).toContain('storywatch_instagram_route_usable{route="reel_query"} 0');
    expect(down.text).toContain('storywatch_queue_jobs{queue="batches",state="waiting"} 2');
    expect(down.text).toContain('storywatch_collector_up{collector="queues"} 0');
    expect(down.text).toContain('storywatch_collector_up{collector="routes"} 0');
    expect(down.text).toContain('storywatch_collector_up{collector="postgres"} 1');
  });
});

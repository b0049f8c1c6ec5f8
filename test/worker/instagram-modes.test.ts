import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { batchWorkerDeps } from '../../src/app/worker-deps.js';
import type { CheckerAlert } from '../../src/checker/alerts.js';
import { createStoryChecker, type RunningStoryChecker } from '../../src/checker/index.js';
import { createBatch, getBatch } from '../../src/core/batches/index.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { setInstagramSetting } from '../../src/core/instagram/index.js';
import { addProxies } from '../../src/core/proxies/index.js';
import { addSession } from '../../src/core/sessions/index.js';
import { createBatchQueue } from '../../src/worker/batch-queue.js';
import { startWorker } from '../../src/worker/batch-worker.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import { type FakeInstagram, type FakeUser, startFakeInstagram } from '../fakes/fake-instagram.js';
import { setSettings } from '../helpers/batch-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createTestApp, deleteRedisPrefix, newPrefix, waitFor } from './support.js';

/**
 * The four ways Instagram was seen to fail in 2026 (docs/instagram.md), each under a real batch on the
 * real worker, checker, proxies and Postgres/Redis: the list must stay right or the batch must stop.
 */
const SESSION = { sessionid: '8880001%3AmOdEsSeSsIoN%3A9', csrftoken: 'ModesCsrfToken', dsUserId: '8880001' };
const COOKIE = `sessionid=${SESSION.sessionid}; csrftoken=${SESSION.csrftoken}; ds_user_id=${SESSION.dsUserId}`;
const HOUR = 3600_000;

/** 40 profiles: 12 live stories, 10 expired (25 h old), 8 private, 10 gone (unknown to Instagram). */
function population(): { users: FakeUser[]; names: string[]; live: Set<string> } {
  const users: FakeUser[] = [];
  const names: string[] = [];
  const now = Date.now();
  for (let i = 0; i < 30; i++) {
    const kind = i < 12 ? 'live' : i < 22 ? 'expired' : 'private';
    users.push({
      username: `${kind}${i}`,
      id: String(50_000 + i),
      isPrivate: kind === 'private',
      storyPostedAt:
        kind === 'live'
          ? new Date(now - (1 + (i % 5)) * HOUR)
          : kind === 'expired'
            ? new Date(now - 25 * HOUR)
            : new Date(now - HOUR),
    });
    names.push(`${kind}${i}`);
  }
  for (let i = 0; i < 10; i++) names.push(`gone${i}`);
  // The canary: public, posts often; not in the niche.
  users.push({ username: 'canary_daily', id: '70000', storyPostedAt: new Date(now - 2 * HOUR) });
  return { users, names, live: new Set(names.filter((n) => n.startsWith('live'))) };
}

interface Run {
  core: CoreDeps;
  db: TestDatabase;
  fake: FakeInstagram;
  proxies: ConnectProxy[];
  checker: RunningStoryChecker;
  alerts: CheckerAlert[];
  live: Set<string>;
  batch(
    count?: number,
  ): Promise<{ id: number; status: string; checked: number; failureReason: string | null }>;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function setup(options: {
  cachedIds: boolean;
  session?: boolean;
  configure(fake: FakeInstagram): void;
}): Promise<Run> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const { users, names, live } = population();
  const fake = await startFakeInstagram({ users, sessions: options.session ? [SESSION] : [] });
  cleanups.push(() => fake.stop());
  options.configure(fake);
  const proxies = await startConnectProxies(3, { username: 'u', password: 'ModesProxyPass' });
  cleanups.push(() => stopAll(proxies));
  const prefix = newPrefix();
  cleanups.push(() => deleteRedisPrefix(prefix));
  const app = createTestApp(db.url, prefix, { CREDENTIALS_KEY: randomBytes(32).toString('hex') });
  cleanups.push(() => app.close());
  await addProxies(app.core, proxies.map((p) => p.line).join('\n'));
  await setInstagramSetting(app.core, 'canaries', 'canary_daily');
  if (options.session) await addSession(app.core, COOKIE);
  const [n] = await db.sql<
    Array<{ id: number }>
  >`insert into niches (name, position) values ('Modes', 1) returning id`;
  for (const name of names) {
    const u = users.find((x) => x.username === name);
    const id = options.cachedIds ? (u?.id ?? `9${name.length}${name.slice(-1)}77`) : null;
    await db.sql`insert into profiles (username, niche_id, ig_user_id) values (${name}, ${n!.id}, ${id})`;
  }
  await setSettings(db.sql, { threads: 3, profilesPerMinute: 600 });
  const alerts: CheckerAlert[] = [];
  const checker = await createStoryChecker({
    core: app.core,
    redis: app.redis('checker'),
    options: {
      instagramUrl: fake.url,
      allowDirect: false,
      requestsPerMinute: 6_000,
      timeoutMs: 3_000,
      keyPrefix: `${prefix}:checker`,
      healthFlushMs: 200,
      onAlert: (a) => alerts.push(a),
    },
  });
  cleanups.push(() => checker.close());
  const worker = startWorker(batchWorkerDeps(app), {
    checker,
    pollMs: 200,
    progressEveryMs: 500,
    settingsRefreshMs: 300,
  });
  cleanups.push(() => worker.close());
  return {
    core: app.core,
    db,
    fake,
    proxies,
    checker,
    alerts,
    live,
    async batch(count = 40) {
      const b = await createBatch(app.core, { niche: 'modes', count, trigger: 'manual', allowDirect: false });
      const q = createBatchQueue(app);
      await q.enqueueBatch(b.id);
      await q.close();
      return waitFor(
        'batch end',
        async () => {
          const got = await getBatch(app.core, b.id);
          return got && !['pending', 'in_progress'].includes(got.status) ? got : undefined;
        },
        60_000,
      );
    },
  };
}

async function score(
  r: Run,
  batchId: number,
): Promise<{ precision: number; recall: number; outcomes: Record<string, string> }> {
  const rows = await r.db.sql<Array<{ username: string; outcome: string | null }>>`
    select username, outcome from batch_items where batch_id = ${batchId}`;
  const detected = new Set(rows.filter((x) => x.outcome === 'story').map((x) => x.username));
  const hit = [...detected].filter((u) => r.live.has(u)).length;
  const liveHere = rows.filter((x) => r.live.has(x.username)).length;
  return {
    precision: detected.size === 0 ? 1 : hit / detected.size,
    recall: liveHere === 0 ? 1 : hit / liveHere,
    outcomes: Object.fromEntries(rows.map((x) => [x.username, x.outcome ?? 'unchecked'])),
  };
}

/** With a cached id, a private profile is only asked about its story (it shows none), never looked up. */
const expectedOutcome = (name: string, cachedIds = false) =>
  name.startsWith('live')
    ? 'story'
    : name.startsWith('expired')
      ? 'no_story'
      : name.startsWith('private')
        ? cachedIds
          ? 'no_story'
          : 'private'
        : 'not_found';

describe('a batch of 40 (live, expired, private, gone) under each 2026 failure mode', () => {
  it('GIVEN the anonymous lookup walled and no session THEN ids come from the profile page; precision 1, recall 1', async () => {
    const r = await setup({
      cachedIds: false,
      configure: (f) => {
        f.modes.anonLookupWalled = true;
      },
    });
    const b = await r.batch();
    const s = await score(r, b.id);
    console.log(
      `anon lookup walled, no session: ${b.status}, checked ${b.checked}, precision ${s.precision}, recall ${s.recall}; page requests ${r.fake.requestsTo('page').length}, web_profile_info ${r.fake.requestsTo('profile').length}`,
    );
    expect(b.status).toBe('completed');
    expect([s.precision, s.recall]).toEqual([1, 1]);
    for (const [name, outcome] of Object.entries(s.outcomes)) expect(outcome).toBe(expectedOutcome(name));
    // Until the suspension lands, each of the 3 threads may meet the wall once per proxy it tries:
    // a handful of requests, then none for the other profiles.
    expect(r.fake.requestsTo('profile').length).toBeLessThanOrEqual(6);
    expect(r.alerts.filter((a) => a.kind === 'route_suspended').map((a) => a.route)).toEqual([
      'web_profile_info',
    ]);
  }, 90_000);

  it('GIVEN the anonymous lookup and the profile page walled and the anonymous query retired, one live session THEN precision 1, recall 1 through the session routes', async () => {
    const r = await setup({
      cachedIds: false,
      session: true,
      configure: (f) => {
        f.modes.anonLookupWalled = true;
        f.modes.pageWalled = true;
        f.modes.anonQueryRetired = true;
      },
    });
    const b = await r.batch();
    const s = await score(r, b.id);
    console.log(
      `walled + retired, one session: ${b.status}, checked ${b.checked}, precision ${s.precision}, recall ${s.recall}; session lookups ${r.fake.requestsTo('profile').filter((q) => q.sessionid).length}, query_hash requests ${r.fake.requestsTo('hash').length}`,
    );
    expect(b.status).toBe('completed');
    expect([s.precision, s.recall]).toEqual([1, 1]);
    for (const [name, outcome] of Object.entries(s.outcomes)) expect(outcome).toBe(expectedOutcome(name));
    expect(r.fake.requestsTo('hash').length).toBeGreaterThan(0);
    expect(r.fake.requestsTo('story').filter((q) => q.status === 200)).toHaveLength(0);
  }, 90_000);

  it('GIVEN the anonymous query retired and no session THEN the batch stops naming the route, 0 profiles checked, one alert', async () => {
    const r = await setup({
      cachedIds: true,
      configure: (f) => {
        f.modes.anonQueryRetired = true;
      },
    });
    const b = await r.batch();
    console.log(
      `retired, no session: ${b.status}, checked ${b.checked}; reason: ${b.failureReason}; alerts: ${r.alerts.map((a) => a.kind).join(', ')}`,
    );
    expect(b.status).toBe('failed');
    expect(b.checked).toBe(0);
    expect(b.failureReason).toMatch(
      /40 profiles left unchecked: no story route is usable: .*reel_query: suspended \(retired/,
    );
    expect(r.alerts.map((a) => [a.kind, a.route])).toEqual([['route_suspended', 'reel_query']]);
    const [open] = await r.db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from batch_items where batch_id = ${b.id} and outcome is null`;
    expect(open?.n).toBe(40);
  }, 90_000);

  it('GIVEN the only session answering empty THEN nothing is recorded "no story" from it, it is disabled with one alert; re-added and dead again, it alerts again', async () => {
    const r = await setup({
      cachedIds: true,
      session: true,
      configure: (f) => f.modes.emptySessions.add(decodeURIComponent(SESSION.sessionid)),
    });
    const first = await r.batch(20);
    const s1 = await score(r, first.id);
    const disabled = r.alerts.filter((a) => a.kind === 'session_disabled');
    console.log(
      `empty session, first batch: ${first.status}, checked ${first.checked}, precision ${s1.precision}, recall ${s1.recall}; empty answers ${r.fake.requestsTo('hash').length}; alerts: ${r.alerts.map((a) => a.kind).join(', ')}`,
    );
    expect(first.status).toBe('completed');
    expect([s1.precision, s1.recall]).toEqual([1, 1]);
    expect(disabled).toHaveLength(1);
    for (const [name, outcome] of Object.entries(s1.outcomes))
      expect(outcome).toBe(expectedOutcome(name, true));
    // Re-adding the same account re-enables the same row; dying again is a new disablement.
    await addSession(r.core, COOKIE);
    await r.checker.refresh();
    const second = await r.batch(20);
    const s2 = await score(r, second.id);
    const again = r.alerts.filter((a) => a.kind === 'session_disabled');
    console.log(
      `empty session, re-added: ${second.status}, recall ${s2.recall}; session alerts ${again.map((a) => a.key).join(' ')}`,
    );
    expect([s2.precision, s2.recall]).toEqual([1, 1]);
    expect(again).toHaveLength(2);
    expect(again[0]?.key).not.toBe(again[1]?.key);
    for (const [name, outcome] of Object.entries(s2.outcomes))
      expect(outcome).toBe(expectedOutcome(name, true));
  }, 120_000);
});

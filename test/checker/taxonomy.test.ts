import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { proxies } from '../../src/core/db/schema/index.js';
import type { FakeAnswer } from '../fakes/fake-instagram.js';
import { createHarness, type Harness } from './harness.js';

const USERS = [
  { username: 'alice', id: '101', storyPostedAt: new Date(Date.now() - 3600_000) },
  { username: 'bob', id: '102' },
  { username: 'carol', id: '103', isPrivate: true },
];

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(proxyCount = 2): Promise<Harness> {
  h = await createHarness({ proxyCount, fake: { users: USERS } });
  return h;
}

describe('checker taxonomy: conclusive answers', () => {
  it('GIVEN a public user with a story posted an hour ago THEN story with its times and the learned id', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'alice', igUserId: null }]);
    expect(r?.outcome).toBe('story');
    expect(r?.igUserId).toBe('101');
    expect(r?.story?.takenAt?.getTime()).toBe(Math.floor(USERS[0]!.storyPostedAt!.getTime() / 1000) * 1000);
    expect(r?.story?.expiresAt?.getTime()).toBe((r?.story?.takenAt?.getTime() ?? 0) + 24 * 3600_000);
    expect(hh.fake.requestsTo('profile')).toHaveLength(1);
    expect(hh.fake.requestsTo('story')).toHaveLength(1);
  });

  it('GIVEN a cached user id THEN the username lookup is skipped', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
    expect(r?.outcome).toBe('no_story');
    expect(hh.fake.requestsTo('profile')).toHaveLength(0);
    expect(hh.fake.requestsTo('story')).toHaveLength(1);
    const req = hh.fake.requestsTo('story')[0];
    expect(req?.appId).toBe('936619743392459');
    expect(req?.userAgent).toMatch(/Mozilla\/5\.0/);
  });

  it('GIVEN a story posted between two checks THEN the second check sees it, and a story past 24 h is gone', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    expect((await c.check([{ username: 'bob', igUserId: '102' }]))[0]?.outcome).toBe('no_story');
    hh.fake.setStory('bob', new Date(Date.now() - 60_000));
    expect((await c.check([{ username: 'bob', igUserId: '102' }]))[0]?.outcome).toBe('story');
    hh.fake.setStory('bob', new Date(Date.now() - 25 * 3600_000));
    expect((await c.check([{ username: 'bob', igUserId: '102' }]))[0]?.outcome).toBe('no_story');
  });

  it('GIVEN is_private true THEN private, without a story request', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'carol', igUserId: null }]);
    expect(r).toMatchObject({ outcome: 'private', igUserId: '103' });
    expect(hh.fake.requestsTo('story')).toHaveLength(0);
  });

  it('GIVEN a 404 for the username THEN not_found through a named proxy', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'ghost', igUserId: null }]);
    expect(r?.outcome).toBe('not_found');
    expect(hh.proxyIds).toContain(r?.proxyId);
  });

  it('GIVEN data.user null for a cached id THEN the username is looked up again and its 404 makes it not_found', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'gone', igUserId: '999999' }]);
    expect(r?.outcome).toBe('not_found');
    expect(r?.detail).toMatch(/HTTP 404 \(web_profile_info\)/);
    expect(hh.fake.requests.map((q) => q.endpoint)).toEqual(['story', 'profile']);
  });
});

describe('checker taxonomy: errors, retries and cooldowns', () => {
  const cooling: Array<[string, FakeAnswer, string]> = [['429', 'rate_limit_429', 'rate_limited']];
  // A wall is about one route from one IP, not a rate limit: the proxy is not cooled (it still serves
  // other routes); with the only proxy walled, the story step has no route left and says which.
  const walls: Array<[string, FakeAnswer]> = [
    ['401 "Please wait" with require_login', 'please_wait'],
    ['302 to /accounts/login/', 'login_redirect'],
    ['200 with an HTML body', 'html'],
  ];
  for (const [label, answer] of walls) {
    it(`GIVEN ${label} on every request THEN no_route naming the walled route, and the proxy is not cooled`, async () => {
      const hh = await setup(1);
      hh.fake.misbehave({ answer });
      const c = await hh.startChecker({ cooldownBaseMs: 60_000, acquireTimeoutMs: 500 });
      const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
      expect(r?.outcome).toBe('no_route');
      expect(r?.detail).toMatch(/no story route is usable: .*reel_query: suspended \(wall/);
      expect(hh.fake.requests).toHaveLength(1);
      const [row] = await hh.deps.db.select().from(proxies).where(eq(proxies.id, hh.proxyIds[0]!));
      expect(row?.coolingUntil).toBeNull();
      expect(c.drainAlerts().map((a) => a.kind)).toEqual(['route_suspended']);
    });
  }
  for (const [label, answer, outcome] of cooling) {
    it(`GIVEN ${label} on every request THEN ${outcome}, the proxy cools down from about a minute, and no further request is made`, async () => {
      const hh = await setup(1);
      hh.fake.misbehave({ answer });
      const c = await hh.startChecker({ cooldownBaseMs: 60_000, acquireTimeoutMs: 500 });
      const before = Date.now();
      const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
      expect(r?.outcome).toBe(outcome);
      // The only proxy is cooling: the retry finds no proxy and says why.
      expect(r?.detail).toMatch(/cooling down/);
      expect(hh.fake.requests).toHaveLength(1);
      const [row] = await hh.deps.db.select().from(proxies).where(eq(proxies.id, hh.proxyIds[0]!));
      const coolMs = (row?.coolingUntil?.getTime() ?? 0) - before;
      console.log(`${label}: cooled for ${coolMs} ms, level ${row?.cooldownLevel}`);
      expect(coolMs).toBeGreaterThanOrEqual(0.8 * 60_000 - 1000);
      expect(coolMs).toBeLessThanOrEqual(1.2 * 60_000 + 1000);
      expect(row?.cooldownLevel).toBe(1);
    });
  }

  it('GIVEN a login wall on one proxy THEN the profile is requeued on the other and the answer names it', async () => {
    const hh = await setup(2);
    hh.fake.misbehave({ answer: 'login_redirect', times: 1 });
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'alice', igUserId: '101' }]);
    expect(r).toMatchObject({ outcome: 'story', attempts: 2 });
    const ips = hh.fake.requests.map((q) => q.ip);
    expect(new Set(ips).size).toBe(2);
    expect(r?.proxyId).toBe(hh.proxyIds[hh.proxies.findIndex((p) => p.localAddress === ips[1])]);
  });

  it('GIVEN 500 on every request THEN transient after 1 try + 3 retries spread over the proxies', async () => {
    const hh = await setup(2);
    hh.fake.misbehave({ answer: 'server_error' });
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
    expect(r).toMatchObject({ outcome: 'transient', attempts: 4, detail: 'HTTP 500' });
    expect(Object.values(hh.fake.requestsByIp)).toEqual([2, 2]);
  });

  it('GIVEN one 500 THEN the retry on the other proxy succeeds', async () => {
    const hh = await setup(2);
    hh.fake.misbehave({ answer: 'server_error', times: 1 });
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'alice', igUserId: '101' }]);
    expect(r).toMatchObject({ outcome: 'story', attempts: 2 });
  });

  it('GIVEN one 500 while the only other proxy is cooling down THEN the retry goes to the same proxy instead of waiting', async () => {
    const hh = await setup(2);
    await hh.deps.db
      .update(proxies)
      .set({ coolingUntil: new Date(Date.now() + 600_000) })
      .where(eq(proxies.id, hh.proxyIds[0]!));
    hh.fake.misbehave({ answer: 'server_error', times: 1 });
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'alice', igUserId: '101' }]);
    expect(r).toMatchObject({ outcome: 'story', attempts: 2, proxyId: hh.proxyIds[1] });
    expect(hh.fake.requestsByIp).toEqual({ [hh.ipOf(1)]: 2 });
  });

  it('GIVEN an answer that never comes THEN transient with the timeout named', async () => {
    const hh = await setup(1);
    hh.fake.misbehave({ answer: 'hang' });
    const c = await hh.startChecker({ timeoutMs: 200, maxRetries: 1 });
    const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
    expect(r).toMatchObject({ outcome: 'transient', attempts: 2, detail: 'timeout after 200 ms' });
  });

  it('GIVEN a proxy that refuses its credentials (407) THEN proxy_failed, counted against that proxy', async () => {
    const hh = await setup(1);
    (hh.proxies[0] as { password: string }).password = 'changed-on-the-provider-side';
    const c = await hh.startChecker({ maxRetries: 1 });
    const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
    expect(r).toMatchObject({ outcome: 'proxy_failed', detail: 'proxy refused the credentials (407)' });
    expect(hh.fake.requests).toHaveLength(0);
    await c.health.flush();
    const [row] = await hh.deps.db.select().from(proxies);
    expect(row?.failuresByOutcome).toEqual({ proxy_failed: 2 });
  });

  it('GIVEN a proxy whose CONNECT fails (502) THEN proxy_failed', async () => {
    const hh = await setup(1);
    hh.proxies[0]!.failConnect = true;
    const c = await hh.startChecker({ maxRetries: 0 });
    const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
    expect(r).toMatchObject({ outcome: 'proxy_failed', detail: 'proxy CONNECT failed (502)' });
  });

  it('GIVEN a proxy that is down THEN proxy_failed with the connection error', async () => {
    const hh = await setup(1);
    await hh.proxies[0]!.stop();
    const c = await hh.startChecker({ maxRetries: 0 });
    const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
    expect(r?.outcome).toBe('proxy_failed');
    expect(r?.detail).toMatch(/ECONNREFUSED/);
  });

  for (const answer of ['unexpected_shape', 'malformed_json'] as const) {
    it(`GIVEN ${answer} from every route THEN each route is tried once, then no_route, with a sample logged`, async () => {
      const hh = await setup(1);
      hh.fake.misbehave({ answer });
      const c = await hh.startChecker();
      const [r] = await c.check([{ username: 'bob', igUserId: null }]);
      expect(r?.outcome).toBe('no_route');
      expect(r?.detail).toMatch(/web_profile_info: suspended \(changed.*profile_page: suspended \(changed/);
      expect(hh.fake.requests.map((q) => q.endpoint)).toEqual(['profile', 'page']);
      const logged = hh.deps.logs.lines.find((l) => l.includes('unexpected answer from Instagram'));
      expect(logged).toBeDefined();
      expect(JSON.parse(logged ?? '{}').sample).toBeTruthy();
    });
  }

  it('GIVEN no proxies and ALLOW_DIRECT off THEN no_route (the batch stops) saying how to fix it, without any request', async () => {
    const hh = await setup(0);
    const c = await hh.startChecker();
    const [r] = await c.check([{ username: 'bob', igUserId: '102' }]);
    expect(r?.outcome).toBe('no_route');
    expect(r?.detail).toMatch(/^no proxy is usable: /);
    // One advice everywhere (core/batches NO_PROXY_ADVICE): add and test a proxy, not ALLOW_DIRECT.
    expect(r?.detail).toMatch(/Add one with `proxy add/);
    expect(r?.detail).not.toMatch(/ALLOW_DIRECT/);
    expect(hh.fake.requests).toHaveLength(0);
  });

  it('GIVEN no proxies and ALLOW_DIRECT on THEN the check goes out directly', async () => {
    const hh = await setup(0);
    const c = await hh.startChecker({ allowDirect: true });
    const [r] = await c.check([{ username: 'alice', igUserId: '101' }]);
    expect(r).toMatchObject({ outcome: 'story', proxyId: null });
    expect(Object.keys(hh.fake.requestsByIp)).toEqual(['127.0.0.1']);
  });
});

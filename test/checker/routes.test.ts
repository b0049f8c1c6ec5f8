import { afterEach, describe, expect, it } from 'vitest';
import type { CheckTarget } from '../../src/checker/types.js';
import { proxies } from '../../src/core/db/schema/index.js';
import { setInstagramSetting } from '../../src/core/instagram/index.js';
import { addSession } from '../../src/core/sessions/index.js';
import { generateUsers } from '../fakes/fake-instagram.js';
import { createHarness, type Harness } from './harness.js';

const SESSION = {
  sessionid: '6660001%3ArOuTeSsEsSiOn%3A7',
  csrftoken: 'RouteCsrfToken',
  dsUserId: '6660001',
};
const cookie = `sessionid=${SESSION.sessionid}; csrftoken=${SESSION.csrftoken}; ds_user_id=${SESSION.dsUserId}`;
const users = generateUsers(130, { storyEvery: 3, privateEvery: 10 });
const cached = (from: number, n: number): CheckTarget[] =>
  users.slice(from, from + n).map((u) => ({ username: u.username, igUserId: u.id }));
const fresh = (from: number, n: number): CheckTarget[] =>
  users.slice(from, from + n).map((u) => ({ username: u.username, igUserId: null }));
const byName = (rs: Array<{ username: string; outcome: string }>) =>
  Object.fromEntries(rs.map((r) => [r.username, r.outcome]));
const truth = (u: (typeof users)[number]) =>
  u.isPrivate ? 'private' : u.storyPostedAt ? 'story' : 'no_story';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('routes: each step survives one route being walled, retired or refusing our client', () => {
  it('GIVEN the anonymous lookup walled on every proxy THEN ids come from the profile page, web_profile_info is suspended once, and no proxy is cooled', async () => {
    h = await createHarness({ proxyCount: 3, fake: { users } });
    h.fake.modes.anonLookupWalled = true;
    const c = await h.startChecker();
    const results = await c.check(fresh(0, 12));
    expect(byName(results)).toEqual(
      Object.fromEntries(users.slice(0, 12).map((u) => [u.username, truth(u)])),
    );
    expect(results.every((r) => r.igUserId === users.find((u) => u.username === r.username)?.id)).toBe(true);
    // Three walls through three distinct proxies suspend the route; after that nobody asks it.
    expect(h.fake.requestsTo('profile')).toHaveLength(3);
    expect(h.fake.requestsTo('page')).toHaveLength(12);
    const alerts = c.drainAlerts();
    expect(alerts.map((a) => [a.kind, a.route])).toEqual([['route_suspended', 'web_profile_info']]);
    expect(alerts[0]?.message).toMatch(/wall via 3 lanes/);
    const rows = await h.deps.db.select().from(proxies);
    expect(rows.every((r) => r.coolingUntil === null)).toBe(true);
  });

  it('GIVEN "useragent mismatch" THEN an alert about our client, no proxy cooldown, and the profile page carries on', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users } });
    h.fake.modes.useragentMismatch = true;
    const c = await h.startChecker();
    const results = await c.check(fresh(0, 4));
    expect(byName(results)).toEqual(Object.fromEntries(users.slice(0, 4).map((u) => [u.username, truth(u)])));
    const kinds = c.drainAlerts().map((a) => a.kind);
    expect(kinds.filter((k) => k === 'client_refused')).toHaveLength(1);
    expect(kinds).toContain('route_suspended');
    const rows = await h.deps.db.select().from(proxies);
    expect(rows.every((r) => r.coolingUntil === null)).toBe(true);
  });

  it('GIVEN graphql walled from one datacenter IP THEN the reel query goes through the other proxy only', async () => {
    h = await createHarness({ proxyCount: 3, fake: { users } });
    h.fake.modes.datacenterIps.add(h.ipOf(0));
    const c = await h.startChecker();
    const results = await c.check(cached(0, 9).slice(0, 1));
    for (const t of cached(1, 8)) results.push(...(await c.check([t])));
    expect(results.map((r) => r.outcome)).toEqual(
      users.slice(0, 9).map((u) => (u.storyPostedAt && !u.isPrivate ? 'story' : 'no_story')),
    );
    const fromWalled = h.fake.requestsTo('story').filter((r) => r.ip === h?.ipOf(0));
    expect(fromWalled.length).toBeLessThanOrEqual(1);
    expect(c.drainAlerts()).toEqual([]);
  });

  it('GIVEN a session and 120 cached profiles THEN the query_hash route asks in requests of 50, 50 and 20, all from the session proxy', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users, sessions: [SESSION] } });
    await addSession(h.deps, cookie);
    const c = await h.startChecker();
    expect(await c.preferredGroupSize()).toBe(50);
    const results = await c.check(cached(0, 120));
    const hash = h.fake.requestsTo('hash');
    console.log('query_hash chunk sizes:', hash.map((r) => r.reelIds?.length).join(', '));
    expect(hash.map((r) => r.reelIds?.length)).toEqual([50, 50, 20]);
    expect(new Set(hash.map((r) => r.ip)).size).toBe(1);
    expect(hash.every((r) => r.sessionid === decodeURIComponent(SESSION.sessionid))).toBe(true);
    const expected = users.slice(0, 120).map((u) => (u.storyPostedAt && !u.isPrivate ? 'story' : 'no_story'));
    expect(results.map((r) => r.outcome)).toEqual(expected);
    expect(results.every((r) => r.route === 'reels_query_hash')).toBe(true);
  });

  it('GIVEN the session was captured with its own browser THEN requests with it send that user agent and matching client hints', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users, sessions: [SESSION] } });
    const ua =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36';
    await addSession(h.deps, `${cookie}\nua: ${ua}`);
    const c = await h.startChecker();
    await c.check(cached(0, 5));
    const [req] = h.fake.requestsTo('hash');
    expect(req?.userAgent).toBe(ua);
    expect(req?.secChUa).toContain('v="141"');
    await c.check(fresh(5, 1));
    const [anon] = h.fake.requestsTo('profile');
    expect(anon?.userAgent).toMatch(/Chrome\/142/);
    expect(anon?.asbdId).toBe('129477');
  });

  it('GIVEN a new reel query id set from chat THEN the next check uses it without a restart', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users } });
    const c = await h.startChecker();
    await setInstagramSetting(h.deps, 'reel_query_id', '1234567890');
    await c.refresh();
    const [r] = await c.check(cached(0, 1));
    // The fake does not know that id (Instagram answers an unknown query id like a retired one).
    expect(h.fake.requests.at(-1)?.path).toContain('query_id=1234567890');
    expect(r?.outcome).toBe('no_route');
    expect(r?.detail).toMatch(/reel_query: suspended \(retired/);
  });

  it('GIVEN a profile that answered yesterday now answers 404 once THEN it is confirmed through another proxy at once and found', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users } });
    const c = await h.startChecker();
    const u = users[3]!;
    h.fake.misbehave({ answer: 'not_found', endpoint: 'profile', username: u.username, times: 1 });
    // Its cached id is stale (the story query has no user with it), so the username is resolved again.
    const [r] = await c.check([
      { username: u.username, igUserId: '999999', lastCheckedAt: new Date(Date.now() - 86_400_000) },
    ]);
    expect(r).toMatchObject({ outcome: truth(u), igUserId: u.id });
    const asked = h.fake.requestsTo('profile');
    expect(asked).toHaveLength(2);
    expect(asked[0]?.ip).not.toBe(asked[1]?.ip);
  });

  it('GIVEN a business account answering "asset ... has been deleted" THEN unavailable (recorded, so it goes to the back of the line), not retried', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users } });
    h.fake.modes.businessAsset.add(users[1]!.username);
    const c = await h.startChecker();
    const [r] = await c.check(fresh(1, 1));
    expect(r?.outcome).toBe('unavailable');
    expect(h.fake.requests).toHaveLength(1);
  });

  it('GIVEN a witness whose story is gone (deleted early) and a healthy session answering a truly empty chunk THEN the session stays, the witness is dropped and the chunk counts', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users, sessions: [SESSION] } });
    await addSession(h.deps, cookie);
    const c = await h.startChecker();
    // users[1] has no story now, but a witness says it had one.
    await c.witnesses.offer([{ id: users[1]!.id, expiresAtMs: Date.now() + 3600_000 }], true);
    const quiet = users.filter((u) => !u.storyPostedAt && !u.isPrivate).slice(2, 7);
    const results = await c.check(quiet.map((u) => ({ username: u.username, igUserId: u.id })));
    expect(results.map((r) => r.outcome)).toEqual(quiet.map(() => 'no_story'));
    const [row] = await h.deps.sql<Array<{ status: string }>>`select status from ig_sessions`;
    expect(row?.status).toBe('active');
    expect(c.drainAlerts()).toEqual([]);
    expect(await c.witnesses.pick(3, new Set())).toEqual([]);
  });

  it('GIVEN the anonymous query retired and the only session on a cooling proxy THEN the checks wait unrecorded instead of stopping the batch', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users, sessions: [SESSION] } });
    await addSession(h.deps, cookie);
    h.fake.modes.anonQueryRetired = true;
    const c = await h.startChecker({ acquireTimeoutMs: 300 });
    // The session's own proxy cools down; the other proxy is free, but only for the retired query.
    await h.deps.sql`update proxies set cooling_until = now() + interval '2 minutes', cooldown_level = 1
      where id = (select proxy_id from ig_sessions)`;
    await c.refresh();
    const [r] = await c.check(cached(0, 1));
    console.log('cooling session:', JSON.stringify(r));
    expect(r).toMatchObject({ outcome: 'transient', attempts: 0 });
  });
});

import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckTarget } from '../../src/checker/types.js';
import { CONCLUSIVE_OUTCOMES } from '../../src/checker/types.js';
import { events, igSessions } from '../../src/core/db/schema/index.js';
import { setInstagramSetting } from '../../src/core/instagram/index.js';
import { addSession, disableSession } from '../../src/core/sessions/index.js';
import { type FakeAnswer, generateUsers } from '../fakes/fake-instagram.js';
import { createHarness, type Harness, PROXY_PASSWORD } from './harness.js';

const S1 = {
  sessionid: '5550001%3AsEcReTsEsSiOnOnE%3A12',
  csrftoken: 'CsrfTokenSecretOne',
  dsUserId: '5550001',
};
const S2 = {
  sessionid: '5550002%3AsEcReTsEsSiOnTwO%3A34',
  csrftoken: 'CsrfTokenSecretTwo',
  dsUserId: '5550002',
};
const cookie = (s: typeof S1) =>
  `sessionid=${s.sessionid}; csrftoken=${s.csrftoken}; ds_user_id=${s.dsUserId}`;

const users = generateUsers(60, { storyEvery: 3, privateEvery: 10 });
const targets = (from: number, n: number, cached = true): CheckTarget[] =>
  users.slice(from, from + n).map((u) => ({ username: u.username, igUserId: cached ? u.id : null }));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** These tests are about feed/reels_media (20 ids a request): put it first (test/checker/routes.test.ts covers the others). */
async function setup(sessions = [S1], proxyCount = 2): Promise<Harness> {
  h = await createHarness({ proxyCount, fake: { users, sessions } });
  await setInstagramSetting(h.deps, 'story_order', 'reels_media, reel_query');
  for (const s of sessions) await addSession(h.deps, cookie(s));
  return h;
}

function assertNoSecretsLogged(hh: Harness): void {
  const text = hh.deps.logs.text;
  expect(text.length).toBeGreaterThan(0);
  for (const secret of [
    S1.sessionid,
    S1.csrftoken,
    S2.sessionid,
    S2.csrftoken,
    'sEcReTsEsSiOn',
    PROXY_PASSWORD,
  ]) {
    expect(text).not.toContain(secret);
  }
}

describe('logged-in session checks', () => {
  it('GIVEN a session THEN the group size is 20 and 20 profiles cost one reels_media request through its sticky proxy', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    expect(await c.preferredGroupSize()).toBe(20);
    const results = await c.check(targets(0, 20));
    expect(hh.fake.requestsTo('reels')).toHaveLength(1);
    expect(hh.fake.requestsTo('reels')[0]?.reelIds).toHaveLength(20);
    expect(hh.fake.requests).toHaveLength(1);
    const expected = users.slice(0, 20).map((u) => (u.storyPostedAt && !u.isPrivate ? 'story' : 'no_story'));
    expect(results.map((r) => r.outcome)).toEqual(expected);
    const [row] = await hh.deps.db.select().from(igSessions);
    expect(row?.proxyId).not.toBeNull();
    expect(results.every((r) => r.proxyId === row?.proxyId && r.sessionId === row?.id)).toBe(true);
    expect(results.find((r) => r.outcome === 'story')?.story?.takenAt).toBeInstanceOf(Date);
    // Use is recorded (throttled, off the request path) so `session list` can show it.
    await vi.waitFor(async () => {
      const [after] = await hh.deps.db.select().from(igSessions);
      expect(after?.lastUsedAt).toBeInstanceOf(Date);
    });
  });

  it('GIVEN 21 profiles THEN two requests of 20 and 1, all from the session proxy IP', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    const results = await c.check(targets(0, 21));
    expect(results).toHaveLength(21);
    // The second chunk (one profile, no story) answered empty: it is verified by asking the same
    // session about the 3 public profiles the first chunk showed with a live story.
    expect(hh.fake.requestsTo('reels').map((r) => r.reelIds?.length)).toEqual([20, 1, 3]);
    expect(new Set(hh.fake.requestsTo('reels').map((r) => r.ip)).size).toBe(1);
    expect(hh.fake.requestsTo('reels')[0]?.sessionid).toBe(decodeURIComponent(S1.sessionid));
  });

  it('GIVEN profiles without cached ids THEN ids are looked up anonymously, private ones answered from the lookup, the rest batched', async () => {
    const hh = await setup();
    const c = await hh.startChecker();
    const results = await c.check(targets(0, 20, false));
    expect(hh.fake.requestsTo('profile')).toHaveLength(20);
    expect(hh.fake.requestsTo('reels')).toHaveLength(1);
    expect(hh.fake.requestsTo('reels')[0]?.reelIds).toHaveLength(18);
    expect(results.filter((r) => r.outcome === 'private')).toHaveLength(2);
    expect(results.every((r) => r.igUserId === users.find((u) => u.username === r.username)?.id)).toBe(true);
  });

  const refusals: FakeAnswer[] = [
    'challenge_required',
    'login_required',
    'checkpoint_required',
    'feedback_required',
  ];
  for (const answer of refusals) {
    it(`GIVEN ${answer} THEN the session is disabled, an alert and an event say so, and the profiles are checked anonymously`, async () => {
      const hh = await setup();
      hh.fake.misbehave({ answer, endpoint: 'reels' });
      const c = await hh.startChecker();
      const results = await c.check(targets(0, 5));
      expect(results.every((r) => CONCLUSIVE_OUTCOMES.has(r.outcome))).toBe(true);
      expect(hh.fake.requestsTo('reels')).toHaveLength(1);
      expect(hh.fake.requestsTo('story')).toHaveLength(5);
      const [row] = await hh.deps.db.select().from(igSessions);
      expect(row?.status).toBe('disabled');
      expect(row?.disabledReason).toContain(answer);
      const alerts = c.drainAlerts();
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ kind: 'session_disabled', sessionId: row?.id });
      expect(alerts[0]?.message).toContain(answer);
      expect(c.drainAlerts()).toEqual([]);
      const logged = await hh.deps.db.select().from(events).where(eq(events.kind, 'session'));
      expect(logged.some((e) => e.level === 'warn' && e.message.includes('disabled'))).toBe(true);
      expect(await c.preferredGroupSize()).toBe(1);
      assertNoSecretsLogged(hh);
    });
  }

  it('GIVEN two sessions and the first challenged THEN the second takes the group through its own proxy', async () => {
    const hh = await setup([S1, S2]);
    hh.fake.challengeSession(S1.sessionid);
    const c = await hh.startChecker();
    const results = await c.check(targets(0, 20));
    expect(results.every((r) => CONCLUSIVE_OUTCOMES.has(r.outcome))).toBe(true);
    const reels = hh.fake.requestsTo('reels');
    expect(reels.map((r) => r.sessionid)).toEqual([S1, S2].map((s) => decodeURIComponent(s.sessionid)));
    // Each session sticks to its own proxy: least-loaded assignment spreads them.
    expect(reels[0]?.ip).not.toBe(reels[1]?.ip);
    expect(hh.fake.requestsTo('story')).toHaveLength(0);
  });

  it('GIVEN a session added while the checker runs THEN it is used without a restart', async () => {
    h = await createHarness({ proxyCount: 1, fake: { users, sessions: [S1] } });
    const hh = h;
    await setInstagramSetting(hh.deps, 'story_order', 'reels_media, reel_query');
    const c = await hh.startChecker();
    expect(await c.preferredGroupSize()).toBe(1);
    await addSession(hh.deps, cookie(S1));
    await vi.waitFor(async () => expect(await c.preferredGroupSize()).toBe(20));
    await c.check(targets(0, 5));
    expect(hh.fake.requestsTo('reels')).toHaveLength(1);
  });

  it('GIVEN a disabled session THEN it is never used and checks go anonymous', async () => {
    const hh = await setup();
    const [row] = await hh.deps.db.select().from(igSessions);
    await disableSession(hh.deps, row!.id, 'operator test');
    const c = await hh.startChecker();
    expect(await c.preferredGroupSize()).toBe(1);
    await c.check(targets(0, 3));
    expect(hh.fake.requestsTo('reels')).toHaveLength(0);
    expect(hh.fake.requestsTo('story')).toHaveLength(3);
  });

  it('GIVEN a rate limit on the session proxy THEN the group is not moved to another IP with that session', async () => {
    const hh = await setup([S1]);
    hh.fake.misbehave({ answer: 'rate_limit_429', endpoint: 'reels' });
    const c = await hh.startChecker({ cooldownBaseMs: 60_000 });
    const results = await c.check(targets(0, 4));
    expect(results.every((r) => CONCLUSIVE_OUTCOMES.has(r.outcome))).toBe(true);
    // One reels request, then the session's proxy cools and the profiles go anonymous elsewhere.
    const reels = hh.fake.requestsTo('reels');
    expect(reels).toHaveLength(1);
    expect(hh.fake.requestsTo('story').every((r) => r.ip !== reels[0]?.ip)).toBe(true);
    expect(await c.preferredGroupSize()).toBe(1);
    assertNoSecretsLogged(hh);
  });
});

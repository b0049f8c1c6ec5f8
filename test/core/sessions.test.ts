import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { igSessions, proxies } from '../../src/core/db/schema/index.js';
import { addProxies, removeProxy } from '../../src/core/proxies/index.js';
import {
  addSession,
  assignSessionProxy,
  disableSession,
  listSessions,
  loadActiveSessions,
  parseSessionCookies,
  removeSession,
} from '../../src/core/sessions/index.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';
import { run } from './command-helpers.js';

const SID = '7770001%3AQwErTySeCrEtSeSsIoN%3A27%3AAYd';
const CSRF = 'CsRfSeCrEtToKeN9';
const COOKIE = `sessionid=${SID}; csrftoken=${CSRF}; ds_user_id=7770001`;

let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => deps.close());
beforeEach(async () => {
  await deps.db.delete(igSessions);
  await deps.db.delete(proxies);
});

describe('session cookie parsing', () => {
  it('GIVEN a browser cookie string with extra cookies THEN the three values are read', () => {
    expect(parseSessionCookies(`mid=abc; ${COOKIE}; rur="NHA"`)).toEqual({
      sessionid: SID,
      csrftoken: CSRF,
      dsUserId: '7770001',
    });
  });
  it('GIVEN the three bare values THEN they are read in order', () => {
    expect(parseSessionCookies(`${SID} ${CSRF} 7770001`)).toEqual({
      sessionid: SID,
      csrftoken: CSRF,
      dsUserId: '7770001',
    });
  });
  it('GIVEN no ds_user_id THEN it is taken from the sessionid prefix', () => {
    expect(parseSessionCookies(`sessionid=${SID}; csrftoken=${CSRF}`).dsUserId).toBe('7770001');
  });
  const refused: Array<[string, string, RegExp]> = [
    ['no sessionid', `csrftoken=${CSRF}; ds_user_id=1234`, /sessionid cookie is missing/],
    ['no csrftoken', `sessionid=${SID}; ds_user_id=7770001`, /csrftoken cookie is missing/],
    ['two bare values', `${SID} ${CSRF}`, /Expected 3 values but got 2/],
    [
      'a non-numeric ds_user_id',
      `sessionid=${SID}; csrftoken=${CSRF}; ds_user_id=abc`,
      /ds_user_id must be the numeric account id/,
    ],
    ['nothing', '   ', /No cookie given/],
  ];
  for (const [label, input, reason] of refused) {
    it(`GIVEN ${label} THEN it is refused with the reason and without echoing a value`, () => {
      let message = '';
      try {
        parseSessionCookies(input);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(reason);
      expect(message).not.toContain('QwErTy');
      expect(message).not.toContain(CSRF);
    });
  }
});

describe('session storage', () => {
  it('GIVEN a session THEN it is stored encrypted, listed masked, and re-adding the account replaces it', async () => {
    const added = await addSession(deps, COOKIE);
    expect(added).toMatchObject({ dsUserId: '7770001', replaced: false });
    const raw = await deps.sql`select row_to_json(s)::text as t from ig_sessions s`;
    expect(String(raw[0]?.t)).not.toContain('QwErTySeCrEt');
    expect(String(raw[0]?.t)).not.toContain(CSRF);
    const [item] = await listSessions(deps);
    expect(item).toMatchObject({ id: added.id, dsUserId: '7770001', status: 'active' });
    expect(item?.sessionid).toMatch(/^\d{2}\*\*\*\w{2}$/);
    const first = await disableSession(deps, added.id, 'challenge_required');
    const again = await addSession(deps, COOKIE);
    expect(again).toMatchObject({ id: added.id, replaced: true });
    expect((await loadActiveSessions(deps))[0]).toMatchObject({ sessionid: SID, csrftoken: CSRF });
    // Re-added and refused again: a new disablement, so a new alert key (never "once per row, ever").
    const second = await disableSession(deps, added.id, 'challenge_required');
    expect(second).toBeInstanceOf(Date);
    expect(second?.getTime()).toBeGreaterThanOrEqual(first?.getTime() ?? Number.POSITIVE_INFINITY);
  });

  it('GIVEN a disabled session THEN it is not active and the reason is kept; disabling twice reports once', async () => {
    const { id } = await addSession(deps, COOKIE);
    expect(await disableSession(deps, id, 'login_required')).toBeInstanceOf(Date);
    expect(await disableSession(deps, id, 'login_required')).toBeNull();
    expect(await loadActiveSessions(deps)).toEqual([]);
    expect((await listSessions(deps))[0]).toMatchObject({
      status: 'disabled',
      disabledReason: 'login_required',
    });
  });

  it('GIVEN remove THEN the session is gone; an unknown id is refused', async () => {
    const { id } = await addSession(deps, COOKIE);
    expect(await removeSession(deps, String(id))).toMatchObject({ id });
    await expect(removeSession(deps, String(id))).rejects.toMatchObject({ code: 'session_not_found' });
    await expect(removeSession(deps, 'abc')).rejects.toMatchObject({ code: 'session_ref_invalid' });
  });

  it('GIVEN no CREDENTIALS_KEY THEN adding a session is refused clearly', async () => {
    await expect(addSession({ ...deps, credentialsKey: undefined }, COOKIE)).rejects.toMatchObject({
      code: 'credentials_key_missing',
    });
  });

  it('GIVEN two sessions and two proxies THEN each sticks to its own proxy, and keeps it until the proxy is removed', async () => {
    const px = await addProxies(deps, '10.0.0.1:8080\n10.0.0.2:8080');
    const ids = px.added.map((p) => p.id);
    const s1 = await addSession(deps, COOKIE);
    const s2 = await addSession(
      deps,
      `sessionid=8880002%3Aother%3A1; csrftoken=${CSRF}x; ds_user_id=8880002`,
    );
    const p1 = await assignSessionProxy(deps, s1.id, ids);
    const p2 = await assignSessionProxy(deps, s2.id, ids);
    expect(new Set([p1, p2])).toEqual(new Set(ids));
    // Sticky: asking again (even with the order changed) keeps the same proxy.
    expect(await assignSessionProxy(deps, s1.id, [...ids].reverse())).toBe(p1);
    await removeProxy(deps, String(p1));
    const [row] = await deps.db.select().from(igSessions).where(eq(igSessions.id, s1.id));
    expect(row?.proxyId).toBeNull();
    expect(await assignSessionProxy(deps, s1.id, [p2 as number])).toBe(p2);
  });
});

describe('session commands', () => {
  it('GIVEN session add / list / remove THEN replies never show the cookie, nor do the logs', async () => {
    const add = await run(deps, `session add sessionid=${SID}; csrftoken=${CSRF}; ds_user_id=7770001`);
    expect(add.text).toMatch(/Added session #\d+ \(account 7770001\)/);
    expect(add.reply.ephemeral).toBe(true);
    const list = await run(deps, 'session list');
    expect(list.text).toMatch(/7770001/);
    const bad = await run(deps, `session add sessionid=${SID}`);
    expect(bad.text).toMatch(/csrftoken cookie is missing/);
    const id = (add.reply.data as { id: number }).id;
    expect((await run(deps, `session remove ${id}`)).text).toMatch(/Removed session/);
    for (const out of [add.text, list.text, bad.text, JSON.stringify(list.reply.data), deps.logs.text]) {
      expect(out).not.toContain('QwErTySeCrEt');
      expect(out).not.toContain(CSRF);
    }
  });
});

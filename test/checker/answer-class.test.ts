import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../src/checker/answer-class.js';
import { readUser } from '../../src/checker/routes/profile-page.js';
import { reelQuery, reelsQueryHash } from '../../src/checker/routes/story-routes.js';
import { webProfileInfo, webProfileInfoSession } from '../../src/checker/routes/web-profile-info.js';
import type { RawAnswer } from '../../src/checker/transport.js';
import {
  BUSINESS_ASSET_400_BODY,
  NOT_FOUND_PAGE_HTML,
  profilePageHtml,
  RETIRED_200_BODY,
  RETIRED_400_BODY,
  USERAGENT_MISMATCH_BODY,
  WALL_401_BODY,
} from '../fakes/fake-instagram-answers.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): RawAnswer => ({
  kind: 'answer',
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
  latencyMs: 5,
});
const html = (status: number, body: string): RawAnswer => ({
  kind: 'answer',
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body,
  latencyMs: 5,
});
const anon = { withSession: false, notFound: 'not_found', graphql: false } as const;
const logged = { withSession: true, notFound: 'session_invalid', graphql: false } as const;
const cls = (r: ReturnType<typeof classifyAnswer>) => ('cls' in r ? r.cls : 'readable');

describe('answer classes from status and shape (docs/instagram.md)', () => {
  it('GIVEN 429 "useragent mismatch" THEN fingerprint, not a rate limit (no proxy cooldown follows)', () => {
    expect(cls(classifyAnswer(json(429, USERAGENT_MISMATCH_BODY), anon))).toBe('fingerprint');
    expect(cls(classifyAnswer(json(429, { message: 'rate limited', status: 'fail' }), anon))).toBe(
      'rate_limited',
    );
  });

  it('GIVEN 401 require_login THEN a wall without a session and a logged-out session with one', () => {
    expect(cls(classifyAnswer(json(401, WALL_401_BODY), anon))).toBe('wall');
    expect(cls(classifyAnswer(json(401, WALL_401_BODY), logged))).toBe('session_invalid');
  });

  it('GIVEN a 3xx to the login page THEN a wall without a session and a logged-out session with one', () => {
    const redirect: RawAnswer = {
      kind: 'answer',
      status: 302,
      headers: { location: 'https://www.instagram.com/accounts/login/' },
      body: '',
      latencyMs: 1,
    };
    expect(cls(classifyAnswer(redirect, anon))).toBe('wall');
    expect(cls(classifyAnswer(redirect, logged))).toBe('session_invalid');
  });

  it('GIVEN a bare 401 or 403 on graphql THEN the datacenter wall', () => {
    expect(cls(classifyAnswer(json(401, { status: 'fail' }), { ...anon, graphql: true }))).toBe('wall');
    expect(cls(classifyAnswer(json(403, ''), { ...anon, graphql: true }))).toBe('wall');
  });

  it('GIVEN a retired query (400 execution error, or 200 with data null and errors, or errors without data) THEN retired', () => {
    expect(cls(classifyAnswer(json(400, RETIRED_400_BODY), { ...anon, graphql: true }))).toBe('retired');
    expect(cls(classifyAnswer(json(200, RETIRED_200_BODY), { ...anon, graphql: true }))).toBe('retired');
    const noData = {
      errors: [{ message: 'execution error', code: 1675002, summary: 'Incorrect Query' }],
      status: 'ok',
    };
    expect(cls(classifyAnswer(json(200, noData), { ...logged, graphql: true }))).toBe('retired');
  });

  it('GIVEN a 200 with "status":"fail" THEN it is read by its message', () => {
    expect(cls(classifyAnswer(json(200, { message: 'login_required', status: 'fail' }), logged))).toBe(
      'session_invalid',
    );
    expect(cls(classifyAnswer(json(200, { message: 'rate_limit_error', status: 'fail' }), anon))).toBe(
      'rate_limited',
    );
    expect(cls(classifyAnswer(json(200, { message: 'something new', status: 'fail' }), anon))).toBe(
      'unexpected',
    );
  });

  for (const message of [
    'sentry_block',
    'spam',
    'user_has_logged_out',
    'feedback_required',
    'checkpoint_required',
  ]) {
    it(`GIVEN "${message}" THEN the session is refused (with one) and the route walled (without)`, () => {
      expect(cls(classifyAnswer(json(400, { message, status: 'fail' }), logged))).toBe('session_invalid');
      expect(cls(classifyAnswer(json(400, { message, status: 'fail' }), anon))).toBe('wall');
    });
  }

  it('GIVEN a plain "Not Found" 404 to a logged-in call THEN a session problem, never a missing user', () => {
    const r = webProfileInfoSession.read(json(404, 'Not Found', { 'content-type': 'text/plain' }), true);
    expect(r.cls).toBe('session_invalid');
    // A JSON 404 from the logged-in lookup is still the missing user.
    expect(webProfileInfoSession.read(json(404, { message: '', status: 'fail' }), true).cls).toBe(
      'not_found',
    );
    expect(
      reelsQueryHash.read(json(404, 'Not Found', { 'content-type': 'text/plain' }), ['1'], Date.now()).cls,
    ).toBe('session_invalid');
    const anonymous = webProfileInfo.read(json(404, { message: '', status: 'fail' }), false);
    expect(anonymous.cls).toBe('not_found');
  });

  it('GIVEN data.user null from the story query THEN "gone" (the username is resolved again), not a deletion strike', () => {
    const r = reelQuery.read(json(200, { data: { user: null }, status: 'ok' }), ['42'], Date.now());
    expect(r.cls).toBe('ok');
    expect(r.cls === 'ok' ? r.value.byId.get('42') : undefined).toEqual({ outcome: 'gone' });
  });

  it('GIVEN the business-account "asset ... has been deleted" 400 THEN unavailable (the profile is backed off)', () => {
    expect(webProfileInfo.read(json(400, BUSINESS_ASSET_400_BODY), false).cls).toBe('unavailable');
  });

  it('GIVEN an answer of a shape the route cannot read THEN changed (evidence about the route)', () => {
    expect(webProfileInfo.read(json(200, { data: { viewer: {} } }), false).cls).toBe('changed');
    expect(reelsQueryHash.read(json(200, { data: { reels: [] }, status: 'ok' }), ['1'], Date.now()).cls).toBe(
      'changed',
    );
  });
});

describe('the logged-out profile page', () => {
  it('GIVEN xig_user_by_username THEN the pk (not the app-scoped id) and privacy', () => {
    expect(readUser(profilePageHtml({ username: 'ana', id: '9001', isPrivate: true }))).toEqual({
      id: '9001',
      isPrivate: true,
    });
  });

  it('GIVEN only the older markers THEN profile_id or profilePage_ are read', () => {
    expect(readUser('<script>{"profile_id":"777","is_private":false}</script>')).toEqual({
      id: '777',
      isPrivate: false,
    });
    expect(readUser('<body class="profilePage_31337"></body>')).toEqual({ id: '31337', isPrivate: false });
  });

  it('GIVEN the not-found page, a login page or a page without markers THEN no user, wall, changed', async () => {
    const { profilePage } = await import('../../src/checker/routes/profile-page.js');
    expect(profilePage.read(html(404, NOT_FOUND_PAGE_HTML), false).cls).toBe('not_found');
    const nf = profilePage.read(html(200, NOT_FOUND_PAGE_HTML), false);
    expect(nf.cls === 'ok' ? nf.value : 'x').toBeNull();
    expect(profilePage.read(html(200, '<form id="loginForm"></form>'), false).cls).toBe('wall');
    expect(profilePage.read(html(200, '<html><body>new layout</body></html>'), false).cls).toBe('changed');
  });
});

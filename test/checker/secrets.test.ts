import { afterEach, describe, expect, it } from 'vitest';
import { renderProxyTest } from '../../src/bot/commands/proxy.js';
import { testProxies } from '../../src/checker/index.js';
import { addSession } from '../../src/core/sessions/index.js';
import { renderPlain } from '../../src/reply/reply.js';
import { generateUsers } from '../fakes/fake-instagram.js';
import { createHarness, type Harness, PROXY_PASSWORD } from './harness.js';

const SESSION = {
  sessionid: '6660001%3AtOpSeCrEtCoOkIe%3A9',
  csrftoken: 'CsrfNeverLogged77',
  dsUserId: '6660001',
};
const users = generateUsers(30);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('secrets stay out of logs, events and stored errors', () => {
  it('GIVEN debug logging and every kind of failure THEN no proxy password or session cookie is written anywhere', async () => {
    h = await createHarness({ proxyCount: 2, fake: { users, sessions: [SESSION] } });
    await addSession(
      h.deps,
      `sessionid=${SESSION.sessionid}; csrftoken=${SESSION.csrftoken}; ds_user_id=${SESSION.dsUserId}`,
    );
    const c = await h.startChecker({ cooldownBaseMs: 50, maxRetries: 3 });
    for (const answer of ['server_error', 'malformed_json', 'unexpected_shape', 'login_redirect'] as const) {
      h.fake.misbehave({ answer, endpoint: 'hash', times: 1 });
      h.fake.misbehave({ answer, endpoint: 'story', times: 1 });
    }
    h.fake.misbehave({ answer: 'challenge_required', endpoint: 'hash', times: 1 });
    await c.check(users.slice(0, 20).map((u) => ({ username: u.username, igUserId: u.id })));
    await c.check(users.slice(20, 24).map((u) => ({ username: u.username, igUserId: null })));
    // A proxy whose password the provider changed: 407 errors are logged and stored as last_error.
    (h.proxies[1] as { password: string }).password = 'rotated';
    await c.check(users.slice(24, 28).map((u) => ({ username: u.username, igUserId: u.id })));
    await c.health.flush();
    const reply = await testProxies(h.deps, { instagramUrl: h.fake.url, timeoutMs: 1000 });
    const stored = await h.deps.sql`
      select coalesce(string_agg(message || data::text, ' '), '') as t from events
      union all select coalesce(string_agg(coalesce(last_error, '') || password_enc, ' '), '') from proxies
      union all select coalesce(string_agg(coalesce(disabled_reason, '') || cookies_enc, ' '), '') from ig_sessions`;
    const everything = [
      h.deps.logs.text,
      ...stored.map((r) => String(r.t)),
      renderPlain(renderProxyTest(reply)),
      JSON.stringify(c.drainAlerts()),
    ].join('\n');
    expect(h.deps.logs.lines.length).toBeGreaterThan(5);
    expect(everything).toMatch(/407/);
    for (const secret of [
      PROXY_PASSWORD,
      'tOpSeCrEtCoOkIe',
      SESSION.csrftoken,
      Buffer.from(`proxyuser:${PROXY_PASSWORD}`).toString('base64'),
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});

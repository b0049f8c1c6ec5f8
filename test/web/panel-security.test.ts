import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNiches } from '../../src/core/niches.js';
import { createLoginToken } from '../../src/core/panel/index.js';
import { PUBLIC_PATHS } from '../../src/web/index.js';
import { CONTENT_SECURITY_POLICY } from '../../src/web/security-headers.js';
import { signInitData } from '../../src/web/telegram-init-data.js';
import { BOT_TOKEN, OWNER, type PanelHarness, STRANGER, sessionCookie, startPanel } from './panel-harness.js';

let h: PanelHarness;
beforeAll(async () => {
  h = await startPanel();
});
afterAll(async () => {
  await h?.close();
});

/** Every route the panel declares, with its parameters filled in. */
function declaredRoutes(): Array<{ method: string; path: string }> {
  return h.route.routes().map((r) => ({ method: r.method, path: r.path.replace(/:[a-z]+/gi, 'x') }));
}

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

function initData(user: string, authDate: Date, token = BOT_TOKEN): string {
  return signInitData(
    {
      auth_date: String(Math.floor(authDate.getTime() / 1000)),
      query_id: 'AAHdF6IQAAAAAN0XohDhrOrc',
      user: JSON.stringify({ id: Number(user), first_name: 'Owner' }),
    },
    token,
  );
}

function postInitData(data: string): Promise<Response> {
  return fetch(`${h.base}/panel/telegram-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ initData: data }).toString(),
  });
}

describe('strangers', () => {
  it('get a bare 401 on every route but the login routes, and the security headers', async () => {
    const routes = declaredRoutes().filter((r) => !PUBLIC_PATHS.includes(r.path));
    expect(routes.length).toBeGreaterThanOrEqual(6);
    routes.push(
      { method: 'GET', path: '/panel/no-such-page' },
      { method: 'POST', path: '/panel/no-such-form' },
    );
    for (const forged of [undefined, 'sw_panel=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      for (const r of routes) {
        const res = await fetch(`${h.base}${r.path}`, {
          method: r.method,
          redirect: 'manual',
          headers: forged ? { cookie: forged } : {},
        });
        expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
          route: `${r.method} ${r.path}`,
          status: 401,
        });
        expect(await res.text()).toBe('401 Unauthorized\n');
        expectSecurityHeaders(res);
      }
    }
  });

  it('reach only the declared public routes without a session, and those show no data', async () => {
    const declared = new Set(declaredRoutes().map((r) => r.path));
    for (const path of PUBLIC_PATHS.filter((p) => !p.startsWith('/panel/assets/')))
      expect(declared.has(path)).toBe(true);
    const entry = await fetch(`${h.base}/panel/tg`);
    expect(entry.status).toBe(200);
    expectSecurityHeaders(entry);
    const text = await entry.text();
    expect(text).toContain('https://telegram.org/js/telegram-web-app.js');
    expect(text).not.toContain('_csrf');
    const css = await fetch(`${h.base}/panel/assets/panel.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    expectSecurityHeaders(css);
  });
});

describe('login links', () => {
  it('open a session once: HttpOnly, SameSite=Strict cookie under /panel, then the link is spent', async () => {
    const link = await h.loginLink();
    const first = await h.openLink(link);
    expect(first.status).toBe(200);
    expectSecurityHeaders(first);
    const set = first.headers.getSetCookie().find((c) => c.startsWith('sw_panel='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\/panel/i);
    expect(set).not.toMatch(/Secure/i); // served over plain http here
    expect(await first.text()).toContain('url=/panel/niches');
    const page = await fetch(`${h.base}/panel/niches`, { headers: { cookie: sessionCookie(first) } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Niche Feed');

    const again = await h.openLink(link);
    expect(again.status).toBe(401);
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it('expire after 10 minutes', async () => {
    const link = await h.loginLink();
    h.clock.advance(10 * 60_000 + 1000);
    const res = await h.openLink(link);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('401 Unauthorized\n');
  });

  it('are refused when made up, and each refusal is an auth event that does not quote the token', async () => {
    const { token } = await createLoginToken({ ...h.core }, { userId: 'x', platform: 'console' });
    const madeUp = `${token.slice(0, -4)}AAAA`;
    const res = await h.openLink(`${h.base}/panel/login?token=${madeUp}`);
    expect(res.status).toBe(401);
    const events = await h.app.database.sql<Array<{ message: string }>>`
      select message from events where kind = 'auth' order by id`;
    expect(events.at(-1)?.message).toMatch(/web panel login refused \(link: unknown\) from 127\.0\.0\.1/);
    expect(h.app.logs.text).toContain('web panel login refused');
    expect(h.app.logs.text).not.toContain(madeUp);
    expect(h.app.logs.text).not.toContain(token);
  });

  it('`panel logout all` ends every session', async () => {
    const { cookie } = await h.login();
    const found = (await import('../../src/bot/commands/registry.js')).findCommand([
      'panel',
      'logout',
      'all',
    ]);
    const { dispatch } = await import('../../src/bot/commands/dispatch.js');
    const actor = {
      platform: 'console' as const,
      userId: 'c',
      chatId: 'console',
      commandPrefix: 'storywatch ',
    };
    const r = await dispatch(
      { command: found!.command, values: { scope: 'all' } },
      { core: h.core, actor, services: {} },
    );
    expect(r.blocks[0]).toMatchObject({ tone: 'success' });
    const res = await fetch(`${h.base}/panel/niches`, { headers: { cookie } });
    expect(res.status).toBe(401);
  });
});

describe('CSRF', () => {
  it('refuses a state change without the session token (403), and nothing changes', async () => {
    const { cookie, csrf } = await h.login();
    const other = await h.login();
    const post = (body: Record<string, string>) =>
      fetch(`${h.base}/panel/niches/create`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });
    const missing = await post({ name: 'csrf-missing' });
    expect(missing.status).toBe(403);
    expectSecurityHeaders(missing);
    const wrong = await post({ name: 'csrf-wrong', _csrf: other.csrf });
    expect(wrong.status).toBe(403);
    expect((await listNiches(h.core)).niches.map((n) => n.name)).not.toContain('csrf-missing');
    expect((await listNiches(h.core)).niches.map((n) => n.name)).not.toContain('csrf-wrong');
    const right = await post({ name: 'csrf-right', _csrf: csrf });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('Niche &quot;csrf-right&quot; created');
    expect((await listNiches(h.core)).niches.map((n) => n.name)).toContain('csrf-right');
  });

  it('guards every POST route the panel declares', async () => {
    const { cookie } = await h.login();
    const posts = declaredRoutes().filter((r) => r.method === 'POST' && !PUBLIC_PATHS.includes(r.path));
    expect(posts.length).toBeGreaterThanOrEqual(3);
    for (const r of posts) {
      const res = await fetch(`${h.base}${r.path}`, {
        method: 'POST',
        headers: { cookie },
        redirect: 'manual',
      });
      expect({ route: r.path, status: res.status }).toEqual({ route: r.path, status: 403 });
    }
    // The logout above was refused: the session still works.
    expect((await fetch(`${h.base}/panel/niches`, { headers: { cookie } })).status).toBe(200);
  });
});

describe('forms the panel did not render', () => {
  it('get 400 with a short reason, and nothing is deleted', async () => {
    const { cookie, csrf } = await h.login();
    const res = await fetch(`${h.base}/panel/profiles/bulk`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, action: 'explode', user: 'someone' }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('400 Bad Request: the form was not one of ours\n');
    expectSecurityHeaders(res);
  });
});

describe('Telegram Mini App initData', () => {
  it('a correctly signed initData of an owner opens a session', async () => {
    const res = await postInitData(initData(OWNER, h.clock.now()));
    expect(res.status).toBe(204);
    expectSecurityHeaders(res);
    const page = await fetch(`${h.base}/panel/niches`, { headers: { cookie: sessionCookie(res) } });
    expect(page.status).toBe(200);
  });

  it('refuses forged, tampered, stale and strangers', async () => {
    const now = h.clock.now();
    const forged = initData(OWNER, now, '7000000001:AAHsomeOtherBotsTokenXXXXXXXXXXXXXXXXX');
    const tampered = initData(STRANGER, now).replace(encodeURIComponent(STRANGER), encodeURIComponent(OWNER));
    const stale = initData(OWNER, new Date(now.getTime() - 3601_000));
    const stranger = initData(STRANGER, now);
    for (const data of [forged, tampered, stale, stranger, 'hash=abc', '']) {
      const res = await postInitData(data);
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    const reasons = await h.app.database.sql<Array<{ reason: string }>>`
      select data->>'reason' as reason from events where kind = 'auth' and data->>'via' = 'telegram'`;
    expect(reasons.map((r) => r.reason)).toEqual(
      expect.arrayContaining(['bad-signature', 'stale', 'not-owner', 'malformed']),
    );
  });
});

describe('failed-login rate limit and Secure cookies', () => {
  it('after 3 failures from one address, even a good link gets 429 until the window passes', async () => {
    const limited = await startPanel({ loginLimit: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${limited.base}/panel/login?token=nope${i}`, { redirect: 'manual' });
        expect(res.status).toBe(401);
      }
      const link = await limited.loginLink();
      const blocked = await limited.openLink(link);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expectSecurityHeaders(blocked);
      limited.clock.advance(15 * 60_000 + 1000);
      const fresh = await limited.loginLink();
      const opened = await limited.openLink(fresh);
      expect(opened.status).toBe(200);
      expect(opened.headers.getSetCookie().join('\n')).toContain('sw_panel=');
    } finally {
      await limited.close();
    }
  });

  it('marks the cookie Secure when the panel is served over https', async () => {
    const secure = await startPanel({ secureCookies: true });
    try {
      const res = await secure.openLink(await secure.loginLink());
      expect(res.headers.getSetCookie().find((c) => c.startsWith('sw_panel='))).toMatch(/; Secure/i);
    } finally {
      await secure.close();
    }
  });
});

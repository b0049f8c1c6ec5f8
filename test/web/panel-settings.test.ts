import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNiche } from '../../src/core/niches.js';
import { signInitData } from '../../src/web/telegram-init-data.js';
import { BOT_TOKEN, OWNER, type PanelHarness, startPanel } from './panel-harness.js';

const PASSWORD = 'Pw-9f3K2qZx7LmT';

async function post(h: PanelHarness, cookie: string, path: string, form: Record<string, string>) {
  return fetch(`${h.base}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

function miniAppLogin(h: PanelHarness): Promise<Response> {
  const data = signInitData(
    {
      auth_date: String(Math.floor(h.clock.now().getTime() / 1000)),
      user: JSON.stringify({ id: Number(OWNER) }),
    },
    BOT_TOKEN,
  );
  return fetch(`${h.base}/panel/telegram-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ initData: data }).toString(),
  });
}

describe('Settings tab over http', () => {
  let h: PanelHarness;
  beforeAll(async () => {
    h = await startPanel();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('adds a proxy with a password and never sends the password back, in any response', async () => {
    const { cookie, csrf } = await h.login();
    const bodies: string[] = [];
    const added = await post(h, cookie, '/panel/settings/proxy/add', {
      _csrf: csrf,
      proxies: `10.20.30.40:8080:alice:${PASSWORD}`,
    });
    expect(added.status).toBe(200);
    bodies.push(await added.text());
    expect(bodies[0]).toContain('Added 1');
    // The add field comes back empty, the list shows the proxy with its password masked.
    expect(bodies[0]).toMatch(/<textarea id="proxy-lines"[^>]*><\/textarea>/);
    expect(bodies[0]).toContain('10.20.30.40:8080');
    for (const path of ['/panel/settings', '/panel/niches', '/panel/batches', '/panel/batches/progress'])
      bodies.push(await (await fetch(`${h.base}${path}`, { headers: { cookie } })).text());
    // A line refused for its shape echoes the line masked, not the password in it.
    const refused = await post(h, cookie, '/panel/settings/proxy/add', {
      _csrf: csrf,
      proxies: `not-a-host:99999:bob:${PASSWORD}`,
    });
    bodies.push(await refused.text());
    expect(bodies.at(-1)).toMatch(/Refused|Nothing was added/);
    const removed = await post(h, cookie, '/panel/settings/proxy/remove', {
      _csrf: csrf,
      proxy: `10.20.30.40:8080:alice:${PASSWORD}`,
    });
    bodies.push(await removed.text());
    expect(bodies.at(-1)).toContain('Removed proxy');
    for (const body of bodies) expect(body).not.toContain(PASSWORD);
  });

  it('adds an Instagram session from its cookies and never sends the cookies back', async () => {
    const { cookie, csrf } = await h.login();
    const sessionid = '8880001%3ApAnElSeSsIoNsEcReT%3A9';
    const csrftoken = 'csrfPanelSecret77';
    const bodies: string[] = [];
    const added = await post(h, cookie, '/panel/settings/session/add', {
      _csrf: csrf,
      cookie: `sessionid=${sessionid}; csrftoken=${csrftoken}; ds_user_id=8880001`,
    });
    bodies.push(await added.text());
    expect(bodies[0]).toMatch(/Added session #\d+ \(account 8880001\)/);
    expect(bodies[0]).toMatch(/<textarea id="session-cookies"[^>]*><\/textarea>/);
    bodies.push(await (await fetch(`${h.base}/panel/settings`, { headers: { cookie } })).text());
    expect(bodies[1]).toContain('8880001');
    const id = /Added session #(\d+)/.exec(bodies[0] ?? '')?.[1] ?? '';
    const removed = await post(h, cookie, '/panel/settings/session/remove', { _csrf: csrf, id });
    bodies.push(await removed.text());
    expect(bodies[2]).toContain(`Removed session #${id}`);
    for (const body of bodies) {
      expect(body).not.toContain('pAnElSeSsIoNsEcReT');
      expect(body).not.toContain(csrftoken);
    }
  });

  it('sets a story target and a rate through the commands, and says what is accepted when a value is wrong', async () => {
    const { cookie, csrf } = await h.login();
    await createNiche(h.core, 'Travel');
    const target = await (
      await post(h, cookie, '/panel/settings/target', { _csrf: csrf, name: 'Travel', count: '40' })
    ).text();
    expect(target).toContain('Daily target of &quot;Travel&quot; set to 40 stories');
    const threads = await (
      await post(h, cookie, '/panel/settings/rate', { _csrf: csrf, setting: 'threads', value: '3' })
    ).text();
    expect(threads).toContain('Threads set to 3');
    const wrong = await (
      await post(h, cookie, '/panel/settings/rate', { _csrf: csrf, setting: 'rate', value: 'fast' })
    ).text();
    expect(wrong).toMatch(/profiles per minute/i);
    expect(wrong).toContain('tone-error');
    const noCsrf = await post(h, cookie, '/panel/settings/rate', { setting: 'threads', value: '9' });
    expect(noCsrf.status).toBe(403);
  });

  it('keeps link sessions SameSite=Strict and gives a Mini App session no Partitioned cookie over http', async () => {
    const link = await h.openLink(await h.loginLink());
    const linkCookie = link.headers.getSetCookie().join('\n');
    expect(linkCookie).toMatch(/^sw_panel=[^;]+;.*SameSite=Strict/m);
    expect(linkCookie).not.toContain('Partitioned');
    const mini = (await miniAppLogin(h)).headers.getSetCookie().join('\n');
    // Over http a browser drops SameSite=None without Secure: the Strict cookie is the one that works.
    expect(mini).toMatch(/^sw_panel=[^;]+;.*SameSite=Strict/m);
    expect(mini).not.toContain('sw_panel_mini');
  });
});

describe('Mini App cookie over https (CHIPS)', () => {
  let h: PanelHarness;
  beforeAll(async () => {
    h = await startPanel({ secureCookies: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sets a Secure, SameSite=None, Partitioned cookie for initData sessions only; CSRF is still required', async () => {
    const res = await miniAppLogin(h);
    expect(res.status).toBe(204);
    const [set] = res.headers.getSetCookie();
    expect(set).toMatch(/^sw_panel_mini=[A-Za-z0-9_-]{43};/);
    const attrs = (set ?? '').split(/;\s*/).slice(1);
    expect(attrs).toEqual(
      expect.arrayContaining(['Path=/panel', 'HttpOnly', 'Secure', 'SameSite=None', 'Partitioned']),
    );
    const cookie = (set ?? '').split(';')[0] ?? '';
    const page = await fetch(`${h.base}/panel/settings`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    expect((await post(h, cookie, '/panel/settings/rate', { setting: 'threads', value: '2' })).status).toBe(
      403,
    );
    const ok = await post(h, cookie, '/panel/settings/rate', { _csrf: csrf, setting: 'threads', value: '2' });
    expect(await ok.text()).toContain('Threads set to 2');

    const link = (await h.openLink(await h.loginLink())).headers.getSetCookie().join('\n');
    expect(link).toMatch(/^sw_panel=[^;]+;.*Secure.*SameSite=Strict/m);
    expect(link).not.toContain('Partitioned');
  });
});

import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/core/db/client.js';
import { listNiches } from '../../src/core/niches.js';
import { LoginLimit, limitKey } from '../../src/web/login-limit.js';
import { createPanelApp } from '../../src/web/panel-app.js';
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

function fields(user: string, authDate: Date): Record<string, string> {
  return {
    auth_date: String(Math.floor(authDate.getTime() / 1000)),
    query_id: 'AAHdF6IQAAAAAN0XohDhrOrc',
    user: JSON.stringify({ id: Number(user), first_name: 'Someone' }),
  };
}

function postInitData(data: string): Promise<Response> {
  return fetch(`${h.base}/panel/telegram-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ initData: data }).toString(),
  });
}

async function lastTelegramRefusal(): Promise<string | undefined> {
  const rows = await h.app.database.sql<Array<{ reason: string }>>`
    select data->>'reason' as reason from events
    where kind = 'auth' and data->>'via' = 'telegram' order by id desc limit 1`;
  return rows[0]?.reason;
}

describe('login links', () => {
  it('a link preview fetching the link gets no session and leaves the link working', async () => {
    const link = await h.loginLink();
    for (let i = 0; i < 2; i++) {
      // What Discord's or a messenger's unfurler does: GET the address, read the page, run no script.
      const preview = await fetch(link, { redirect: 'manual', headers: { 'user-agent': 'Discordbot/2.0' } });
      expect(preview.status).toBe(200);
      expect(preview.headers.getSetCookie()).toEqual([]);
      expect(await preview.text()).toContain('<form method="post" action="/panel/login"');
    }
    const opened = await h.openLink(link);
    expect(opened.status).toBe(200);
    expect(opened.headers.getSetCookie().join('\n')).toMatch(/^sw_panel=/);
  });
});

describe('Mini App initData', () => {
  it("refuses a stranger's genuine initData with an owner's user put in front of it", async () => {
    // Any Telegram user who opens the bot's Mini App gets an initData Telegram signed for them.
    const genuine = signInitData(fields(STRANGER, h.clock.now()), BOT_TOKEN);
    const smuggled = `user=${encodeURIComponent(JSON.stringify({ id: Number(OWNER) }))}&${genuine}`;
    const res = await postInitData(smuggled);
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await lastTelegramRefusal()).toBe('malformed');
  });

  it('refuses an auth_date more than a minute ahead of our clock', async () => {
    const ahead = new Date(h.clock.now().getTime() + 3600_000);
    const res = await postInitData(signInitData(fields(OWNER, ahead), BOT_TOKEN));
    expect(res.status).toBe(401);
    expect(await lastTelegramRefusal()).toBe('future');
    // A few seconds ahead (Telegram's clock runs a little fast) still opens the panel.
    const slightly = new Date(h.clock.now().getTime() + 5_000);
    expect((await postInitData(signInitData(fields(OWNER, slightly), BOT_TOKEN))).status).toBe(204);
  });
});

/**
 * A POST that declares its whole body's length but sends only its first 64 KB, on a connection of its
 * own, and reads the answer: a body over the limit is refused on its Content-Length, unread. (Sending
 * it all would race the server's close of the connection against the client's write.)
 */
async function postTooLarge(
  path: string,
  cookie: string,
  body: URLSearchParams | FormData,
): Promise<Response> {
  const encoded = new Request(h.base, { method: 'POST', body });
  const data = Buffer.from(await encoded.arrayBuffer());
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.base}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        ...(cookie ? { cookie } : {}),
        'content-type': encoded.headers.get('content-type') ?? '',
        'content-length': data.length,
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 }));
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write(data.subarray(0, 64 * 1024));
  });
}

describe('request bodies', () => {
  it("a stranger's upload is refused before its body is read", async () => {
    // A chunked body that never ends: the 401 must come without waiting for it.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${h.base}/panel/niches/import`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024, 'a'));
    });
    expect(status).toBe(401);
  });

  it('a form or a Mini App login far larger than any the panel sends gets 413, and nothing changes', async () => {
    const { cookie, csrf } = await h.login();
    const padding = 'a'.repeat(3 * 1024 * 1024);
    const fields = { _csrf: csrf, name: 'padded-niche', pad: padding };
    const form = await postTooLarge('/panel/niches/create', cookie, new URLSearchParams(fields));
    expect(form.status).toBe(413);
    expect((await listNiches(h.core)).niches.map((n) => n.name)).not.toContain('padded-niche');
    const initData = new URLSearchParams({ initData: 'a', pad: padding.slice(0, 200_000) });
    expect((await postTooLarge('/panel/telegram-login', '', initData)).status).toBe(413);
    const token = new URLSearchParams({ token: 'a', pad: padding.slice(0, 200_000) });
    expect((await postTooLarge('/panel/login', '', token)).status).toBe(413);
  });

  it('an upload over the import limit (20 MB) gets 413 saying so', async () => {
    const { cookie, csrf } = await h.login();
    const form = new FormData();
    form.set('_csrf', csrf);
    form.set('niche', 'big');
    form.set('file', new File([Buffer.alloc(22 * 1024 * 1024, 'a')], 'big.txt', { type: 'text/plain' }));
    const res = await postTooLarge('/panel/niches/import', cookie, form);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('20 MB');
  });
});

describe('static files', () => {
  it("Object's own property names are not files", async () => {
    const { cookie } = await h.login();
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await fetch(`${h.base}/panel/assets/${name}`, { headers: { cookie } });
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
    }
  });
});

describe('Content-Security-Policy', () => {
  it('admits only Telegram’s Mini App script from telegram.org, not every script there', () => {
    const scriptSrc = CONTENT_SECURITY_POLICY.split('; ').find((d) => d.startsWith('script-src '));
    expect(scriptSrc).toBe("script-src 'self' https://telegram.org/js/telegram-web-app.js");
  });
});

describe('failed-login counts', () => {
  it('remember at most the configured number of addresses, and the newest stay blocked', () => {
    const limit = new LoginLimit(3, 15 * 60_000, () => 1_000_000, 100);
    for (let i = 0; i < 5000; i++) limit.fail(`2001:db8:${i.toString(16)}::1`);
    for (let i = 0; i < 3; i++) limit.fail('203.0.113.7');
    expect(limit.size).toBeLessThanOrEqual(100);
    expect(limit.blockedFor('203.0.113.7')).toBeGreaterThan(0);
  });

  it('count an IPv6 /64 as one client: a new address in it is no fresh start', () => {
    const limit = new LoginLimit(3, 15 * 60_000, () => 1_000_000);
    limit.fail('2001:db8:1:2::a');
    limit.fail('2001:db8:1:2:ffff:ffff:ffff:ffff');
    limit.fail('2001:0db8:0001:0002:0:0:0:b');
    expect(limit.blockedFor('2001:db8:1:2::c')).toBeGreaterThan(0);
    expect(limit.blockedFor('2001:db8:1:3::a')).toBe(0);
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
    expect(limitKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(limitKey('203.0.113.7')).toBe('203.0.113.7');
  });
});

describe('Postgres down', () => {
  it('a request gets a short 503 that says to try again, no stack and no driver message', async () => {
    const down = connectDatabase('postgres://postgres@127.0.0.1:1/storywatch');
    try {
      const app = createPanelApp({
        core: { ...h.core, db: down.db },
        services: {},
        secureCookies: false,
        loginLimit: new LoginLimit(),
      });
      const requests: Array<[string, RequestInit]> = [
        ['/panel/niches', { headers: { cookie: `sw_panel=${'A'.repeat(43)}` } }],
        [
          '/panel/login',
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `token=${'B'.repeat(43)}`,
          },
        ],
      ];
      for (const [path, init] of requests) {
        const res = await app.request(path, init);
        expect({ path, status: res.status }).toEqual({ path, status: 503 });
        expect(res.headers.get('retry-after')).toBe('30');
        expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
        const text = await res.text();
        expect(text).toBe('503 Service Unavailable: the database is not answering. Try again in a minute.\n');
      }
      expect(h.app.logs.text).toContain('web panel: database unavailable');
    } finally {
      await down.close();
    }
  });
});

describe('two session cookies', () => {
  it('a stale link cookie beside a live Mini App cookie does not lock the operator out', async () => {
    const live = sessionCookie(await h.openLink(await h.loginLink())).split('=')[1];
    const stale = 'A'.repeat(43);
    const res = await fetch(`${h.base}/panel/niches`, {
      headers: { cookie: `sw_panel=${stale}; sw_panel_mini=${live}` },
    });
    expect(res.status).toBe(200);
    const strangers = await fetch(`${h.base}/panel/niches`, {
      headers: { cookie: `sw_panel=${stale}; sw_panel_mini=${'B'.repeat(43)}` },
    });
    expect(strangers.status).toBe(401);
  });
});

import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { recordEvent } from '../core/events.js';
import { createSession, type PanelUser, redeemLoginToken } from '../core/panel/index.js';
import { clientAddress } from './client-address.js';
import { miniAppEntry } from './layout.js';
import { setSessionCookie } from './panel-session.js';
import type { PanelDeps, PanelEnv } from './panel-types.js';
import { toHtml } from './render-reply.js';
import { verifyInitData } from './telegram-init-data.js';

const loginTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const telegramLoginSchema = z.object({ initData: z.string().min(1).max(8192) });

/** Strangers learn nothing: the same bare 401 whatever was wrong. */
export function unauthorized(c: Context): Response {
  return c.text('401 Unauthorized\n', 401);
}

/** The socket's address, or the client a trusted proxy names (TRUSTED_PROXY, client-address.ts). */
export function clientIp(c: Context<PanelEnv>, deps: Pick<PanelDeps, 'trustedProxies'>): string {
  return clientAddress(
    c.env?.incoming?.socket?.remoteAddress,
    c.req.header('x-forwarded-for'),
    deps.trustedProxies,
  );
}

/** A failed login: counted for the rate limit, logged and kept as an auth event (no token in either). */
async function refuse(c: Context<PanelEnv>, deps: PanelDeps, via: string, reason: string): Promise<Response> {
  const ip = clientIp(c, deps);
  deps.loginLimit.fail(ip);
  deps.core.log.warn({ component: 'web', ip, via, reason }, 'web panel login refused');
  await recordEvent(deps.core, {
    kind: 'auth',
    level: 'warn',
    message: `web panel login refused (${via}: ${reason}) from ${ip}`,
    data: { ip, via, reason },
  });
  return unauthorized(c);
}

/** 429 while this address has failed too often; undefined when it may try. */
function limited(c: Context<PanelEnv>, deps: PanelDeps): Response | undefined {
  const wait = deps.loginLimit.blockedFor(clientIp(c, deps));
  if (wait === 0) return undefined;
  c.header('retry-after', String(wait));
  return c.text('429 Too Many Requests\n', 429);
}

async function openSession(c: Context<PanelEnv>, deps: PanelDeps, user: PanelUser): Promise<void> {
  const session = await createSession(deps.core, user);
  const framed = user.platform === 'telegram-mini-app';
  setSessionCookie(c, session.id, session.expiresAt, deps.secureCookies, framed);
  deps.core.log.info(
    { component: 'web', userId: user.userId, via: user.platform },
    'web panel session opened',
  );
}

/**
 * The page after a login link: a same-site navigation to the panel. A 303 would not do: after a link
 * opened from a chat (another site), browsers withhold a SameSite=Strict cookie on the redirect too.
 */
function enterPanel(c: Context): Response | Promise<Response> {
  return c.html(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/panel/niches"><link rel="icon" href="data:,"><title>storywatch</title></head><body><p><a href="/panel/niches">Open the panel</a></p></body></html>`,
  );
}

/**
 * What opening a login link shows: a form that spends the token by POST (login.js sends it at once;
 * without script, one press). A GET spends nothing, so a link preview or URL scanner fetching the
 * link (Discord unfurls links, ephemeral ones too) neither burns the operator's link nor gets a session.
 */
function confirmLogin(token: string): Promise<string> {
  return toHtml(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><link rel="stylesheet" href="/panel/assets/panel.css"><script src="/panel/assets/login.js" defer></script><title>storywatch</title></head><body><main><form method="post" action="/panel/login" id="login"><input type="hidden" name="token" value="${token}"><button type="submit">Open the panel</button></form></main></body></html>`,
  );
}

/** The routes a stranger may reach: the login link, the Mini App's login and its entry page. */
export function addLoginRoutes(app: Hono<PanelEnv>, deps: PanelDeps): void {
  app.get('/panel/login', async (c) => {
    const blocked = limited(c, deps);
    if (blocked) return blocked;
    const token = loginTokenSchema.safeParse(c.req.query('token'));
    if (!token.success) return refuse(c, deps, 'link', 'malformed');
    return c.html(confirmLogin(token.data));
  });
  app.post('/panel/login', async (c) => {
    const blocked = limited(c, deps);
    if (blocked) return blocked;
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = loginTokenSchema.safeParse(body.token);
    if (!token.success) return refuse(c, deps, 'link', 'malformed');
    const result = await redeemLoginToken(deps.core, token.data);
    if (!result.ok) return refuse(c, deps, 'link', result.reason);
    await openSession(c, deps, result.user);
    return enterPanel(c);
  });
  app.post('/panel/telegram-login', async (c) => {
    const blocked = limited(c, deps);
    if (blocked) return blocked;
    const body = telegramLoginSchema.safeParse(await c.req.parseBody().catch(() => ({})));
    if (!deps.telegram) return refuse(c, deps, 'telegram', 'no bot token');
    if (!body.success) return refuse(c, deps, 'telegram', 'malformed');
    const check = verifyInitData({
      initData: body.data.initData,
      botToken: deps.telegram.botToken,
      ownerIds: deps.telegram.ownerIds,
      maxAgeSeconds: deps.telegram.initDataMaxAge,
      now: deps.core.clock.now(),
    });
    if (!check.ok) return refuse(c, deps, 'telegram', check.reason);
    await openSession(c, deps, { userId: check.userId, platform: 'telegram-mini-app' });
    return c.body(null, 204);
  });
  app.get('/panel/tg', (c) => c.html(miniAppEntry()));
}

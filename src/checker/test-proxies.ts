import { eq } from 'drizzle-orm';
import { request } from 'undici';
import { proxies } from '../core/db/schema/index.js';
import type { CoreDeps } from '../core/deps.js';
import { UserError } from '../core/errors.js';
import { recordEvent } from '../core/events.js';
import { INSTAGRAM_DEFAULTS } from '../core/instagram/index.js';
import { maskSecrets } from '../core/mask.js';
import { loadProxyCredentials, notifyProxiesChanged, type ProxyCredentials } from '../core/proxies/index.js';
import { type Reply, reply, tableBlock, textBlock } from '../reply/reply.js';
import { createProxyDispatcher } from './proxy-dispatcher.js';

export type ProxyTestStatus = 'reachable' | 'auth_refused' | 'timeout' | 'unreachable';

export interface ProxyTestResult {
  id: number;
  address: string;
  status: ProxyTestStatus;
  latencyMs: number;
  detail: string;
}

async function testOne(p: ProxyCredentials, url: string, timeoutMs: number): Promise<ProxyTestResult> {
  if (p.unreadable) {
    return {
      id: p.id,
      address: `${p.host}:${p.port}`,
      status: 'unreachable',
      latencyMs: 0,
      detail: 'stored password cannot be decrypted (was CREDENTIALS_KEY changed?); re-add the proxy',
    };
  }
  const agent = createProxyDispatcher(p, timeoutMs);
  const started = performance.now();
  const base = { id: p.id, address: `${p.host}:${p.port}` };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  const signal = controller.signal;
  try {
    const work = (async () => {
      const res = await request(url, {
        dispatcher: agent,
        headers: { 'user-agent': INSTAGRAM_DEFAULTS.userAgent, accept: '*/*' },
        signal,
      });
      await res.body.dump();
      return res.statusCode;
    })();
    const status = await Promise.race([work, deadline]);
    if (status === 'timeout') {
      work.catch(() => {});
      throw new Error('timeout');
    }
    const latencyMs = Math.round(performance.now() - started);
    return { ...base, status: 'reachable', latencyMs, detail: `HTTP ${status}` };
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    const e = err as { message?: string; code?: string; cause?: { code?: string } };
    const message = e.message ?? String(err);
    if (/407|Proxy Authentication Required/i.test(message))
      return {
        ...base,
        status: 'auth_refused',
        latencyMs,
        detail: 'the proxy refused the user name or password (407)',
      };
    if (signal.aborted)
      return { ...base, status: 'timeout', latencyMs, detail: `no answer within ${timeoutMs} ms` };
    const code = e.code ?? e.cause?.code;
    return {
      ...base,
      status: 'unreachable',
      latencyMs,
      detail: maskSecrets(code ? `connection error ${code}` : message).slice(0, 160),
    };
  } finally {
    clearTimeout(timer);
    await agent.destroy().catch(() => {});
  }
}

/**
 * `proxy test`: one real request through each proxy (or one) to INSTAGRAM_WEB_URL. Reachable proxies
 * are marked ok, the others dead (the pool skips dead ones until a later test finds them working).
 */
export async function testProxies(
  core: CoreDeps,
  options: { instagramUrl: string; timeoutMs: number },
  proxyId?: number,
): Promise<Reply> {
  const all = await loadProxyCredentials(core);
  const chosen = proxyId === undefined ? all : all.filter((p) => p.id === proxyId);
  if (proxyId !== undefined && chosen.length === 0)
    throw new UserError('proxy_not_found', `No proxy has id ${proxyId}. \`proxy list\` shows the ids.`);
  if (chosen.length === 0)
    return reply.text('No proxies to test. Add some with `proxy add ip:port:user:pass`.', 'warning');
  const url = `${options.instagramUrl.replace(/\/+$/, '')}/`;
  const results = await Promise.all(chosen.map((p) => testOne(p, url, options.timeoutMs)));
  const now = core.clock.now();
  for (const r of results) {
    const ok = r.status === 'reachable';
    await core.db
      .update(proxies)
      .set({
        health: ok ? 'ok' : 'dead',
        lastTestedAt: now,
        ...(ok ? {} : { lastError: `proxy test: ${r.detail}` }),
      })
      .where(eq(proxies.id, r.id));
  }
  await notifyProxiesChanged(core);
  const dead = results.filter((r) => r.status !== 'reachable');
  await recordEvent(core, {
    kind: 'proxy',
    level: dead.length > 0 ? 'warn' : 'info',
    message: `Proxy test: ${results.length - dead.length} reachable, ${dead.length} dead${dead.length ? ` (${dead.map((d) => `#${d.id} ${d.status}`).join(', ')})` : ''}`,
    data: { results: results.map((r) => ({ id: r.id, status: r.status, latencyMs: r.latencyMs })) },
  });
  const label: Record<ProxyTestStatus, string> = {
    reachable: 'reachable',
    auth_refused: 'auth refused',
    timeout: 'timeout',
    unreachable: 'unreachable',
  };
  return reply.of(
    [
      textBlock(
        `Tested ${results.length} prox${results.length === 1 ? 'y' : 'ies'} against ${options.instagramUrl}: ${results.length - dead.length} reachable, ${dead.length} marked dead.`,
        dead.length ? 'warning' : 'success',
      ),
      tableBlock(
        ['id', 'proxy', 'result', 'latency', 'detail'],
        results.map((r) => [String(r.id), r.address, label[r.status], `${r.latencyMs} ms`, r.detail]),
      ),
    ],
    { data: { results } },
  );
}

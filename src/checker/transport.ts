import { type Dispatcher, request } from 'undici';

/** How one request leaves: through which dispatcher (a proxy or the server's own address), with what deadline. */
export interface Transport {
  baseUrl: string;
  dispatcher: Dispatcher;
  /** True when the dispatcher goes through an operator proxy (network errors then count against it). */
  viaProxy: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

export type RawAnswer =
  | {
      kind: 'answer';
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: string;
      latencyMs: number;
    }
  | { kind: 'failure'; outcome: 'proxy_failed' | 'transient'; detail: string; latencyMs: number };

/** Bodies past this are cut: a profile page is about 1 MB, and nothing the routes read sits further in. */
const MAX_BODY_CHARS = 3_000_000;

/**
 * One GET, never throwing: an answer with its status and body, or why there was none. The race
 * guarantees the deadline even where undici's own abort does not reach (a proxy that never answers
 * CONNECT); the abort then frees the request's resources.
 */
export async function fetchRaw(
  t: Transport,
  path: string,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  const started = performance.now();
  const controller = new AbortController();
  let stop: (reason: 'timeout' | 'cancelled') => void = () => {};
  const stopped = new Promise<'timeout' | 'cancelled'>((resolve) => {
    stop = resolve;
  });
  const timer = setTimeout(() => {
    controller.abort();
    stop('timeout');
  }, t.timeoutMs);
  const onAbort = () => {
    controller.abort();
    stop('cancelled');
  };
  if (t.signal?.aborted) onAbort();
  t.signal?.addEventListener('abort', onAbort, { once: true });
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const work = (async () => {
      const res = await request(`${t.baseUrl}${path}`, {
        method: 'GET',
        headers,
        dispatcher: t.dispatcher,
        signal: controller.signal,
      });
      const body = await res.body.text();
      return { res, body: body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body };
    })();
    const raced = await Promise.race([work, stopped]);
    if (raced === 'timeout' || raced === 'cancelled') {
      work.catch(() => {});
      return {
        kind: 'failure',
        outcome: 'transient',
        detail: raced === 'cancelled' ? 'cancelled' : `timeout after ${t.timeoutMs} ms`,
        latencyMs: elapsed(),
      };
    }
    return {
      kind: 'answer',
      status: raced.res.statusCode,
      headers: raced.res.headers,
      body: raced.body,
      latencyMs: elapsed(),
    };
  } catch (err) {
    if (t.signal?.aborted)
      return { kind: 'failure', outcome: 'transient', detail: 'cancelled', latencyMs: elapsed() };
    return { kind: 'failure', ...networkFailure(err, t.viaProxy), latencyMs: elapsed() };
  } finally {
    clearTimeout(timer);
    t.signal?.removeEventListener('abort', onAbort);
  }
}

function networkFailure(
  err: unknown,
  viaProxy: boolean,
): { outcome: 'proxy_failed' | 'transient'; detail: string } {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const message = e.message ?? String(err);
  const code = e.code ?? e.cause?.code ?? '';
  if (/Proxy response \(407\)|Proxy Authentication Required/i.test(message)) {
    return { outcome: 'proxy_failed', detail: 'proxy refused the credentials (407)' };
  }
  const connect = /Proxy response \((\d{3})\)/.exec(message);
  if (connect) return { outcome: 'proxy_failed', detail: `proxy CONNECT failed (${connect[1]})` };
  const detail = code ? `connection error ${code}` : `connection error: ${message.slice(0, 120)}`;
  return { outcome: viaProxy ? 'proxy_failed' : 'transient', detail };
}

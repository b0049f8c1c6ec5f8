import { type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import { failureBody } from './instagram-answers.js';
import type { CheckOutcome } from './types.js';

export const IG_APP_ID = '936619743392459';
export const STORY_QUERY_ID = '9957820854288654';
export const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export type Endpoint = 'profile' | 'story' | 'reels';

/** An answer the checker can use, or the taxonomy outcome that explains why not. */
export type IgResult<T> =
  | { ok: true; value: T; latencyMs: number }
  | {
      ok: false;
      outcome: Exclude<CheckOutcome, 'story' | 'no_story' | 'private'>;
      detail: string;
      latencyMs: number;
      sample?: string;
    };

export interface IgRequest {
  baseUrl: string;
  dispatcher: Dispatcher;
  /** True when the dispatcher goes through an operator proxy (network errors then count against it). */
  viaProxy: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Cookie header and csrf token of a logged-in session. */
  session?: { cookie: string; csrftoken: string };
}

export function profilePath(username: string): string {
  return `/api/v1/users/web_profile_info/?username=${encodeURIComponent(username)}`;
}

export function storyPath(userId: string): string {
  return `/graphql/query/?query_id=${STORY_QUERY_ID}&user_id=${encodeURIComponent(userId)}&include_reel=true&include_logged_out_extras=true&include_chaining=false&include_suggested_users=false&include_live_status=true&include_highlight_reels=true`;
}

export function reelsPath(ids: readonly string[]): string {
  return `/api/v1/feed/reels_media/?${ids.map((id) => `reel_ids=${encodeURIComponent(id)}`).join('&')}`;
}

const SESSION_PROBLEMS = ['login_required', 'challenge_required', 'checkpoint_required', 'feedback_required'];

/**
 * One GET to Instagram, classified. Never throws: every answer (and every failure to get one) maps
 * to the checker's taxonomy. `refererPath` is the profile page, as a browser would send.
 */
export async function igGet<S extends z.ZodType>(
  req: IgRequest,
  path: string,
  schema: S,
  refererPath: string,
): Promise<IgResult<z.infer<S>>> {
  const started = performance.now();
  const controller = new AbortController();
  let timedOut = false;
  // The race guarantees the deadline even where undici's own abort does not reach (a proxy that
  // never answers CONNECT); the abort then frees the request's resources.
  let stop: (reason: 'timeout' | 'cancelled') => void = () => {};
  const stopped = new Promise<'timeout' | 'cancelled'>((resolve) => {
    stop = resolve;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    stop('timeout');
  }, req.timeoutMs);
  const onAbort = () => {
    controller.abort();
    stop('cancelled');
  };
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    'x-ig-app-id': IG_APP_ID,
    accept: '*/*',
    'accept-language': 'en-US,en;q=0.9',
    referer: `${req.baseUrl}${refererPath}`,
    'x-requested-with': 'XMLHttpRequest',
  };
  if (req.session) {
    headers.cookie = req.session.cookie;
    headers['x-csrftoken'] = req.session.csrftoken;
  }
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const work = (async () => {
      const res = await request(`${req.baseUrl}${path}`, {
        method: 'GET',
        headers,
        dispatcher: req.dispatcher,
        signal: controller.signal,
      });
      return { res, body: await res.body.text() };
    })();
    const raced = await Promise.race([work, stopped]);
    if (raced === 'timeout' || raced === 'cancelled') {
      work.catch(() => {});
      throw new Error(raced);
    }
    return classify(
      raced.res.statusCode,
      raced.res.headers,
      raced.body,
      schema,
      elapsed(),
      Boolean(req.session),
    );
  } catch (err) {
    const latencyMs = elapsed();
    if (req.signal?.aborted) return { ok: false, outcome: 'transient', detail: 'cancelled', latencyMs };
    if (timedOut)
      return { ok: false, outcome: 'transient', detail: `timeout after ${req.timeoutMs} ms`, latencyMs };
    return { ok: false, ...networkFailure(err, req.viaProxy), latencyMs };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
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

function classify<S extends z.ZodType>(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  schema: S,
  latencyMs: number,
  withSession: boolean,
): IgResult<z.infer<S>> {
  const fail = (
    outcome: Exclude<CheckOutcome, 'story' | 'no_story' | 'private'>,
    detail: string,
    sample?: string,
  ): IgResult<z.infer<S>> => ({
    ok: false,
    outcome,
    detail,
    latencyMs,
    ...(sample === undefined ? {} : { sample }),
  });
  if (status === 429) return fail('rate_limited', 'HTTP 429 Too Many Requests');
  if (status >= 300 && status < 400) {
    const location = String(headers.location ?? '');
    if (withSession && /\/challenge\//.test(location))
      return fail('session_invalid', `redirected to a challenge (HTTP ${status})`);
    return fail(
      'login_wall',
      `HTTP ${status} redirect to ${location.includes('/accounts/login') ? 'the login page' : 'another page'}`,
    );
  }
  if (status === 404) return fail('not_found', 'HTTP 404');
  if (status >= 500) return fail('transient', `HTTP ${status}`);
  const contentType = String(headers['content-type'] ?? '');
  const trimmed = body.trimStart();
  if (contentType.includes('text/html') || trimmed.startsWith('<')) {
    return status === 200
      ? fail('login_wall', 'HTML page instead of JSON (login wall)')
      : fail('unexpected', `HTTP ${status} with an HTML body`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return fail('unexpected', `HTTP ${status} with malformed JSON`, body.slice(0, 300));
  }
  if (status !== 200) {
    const parsed = failureBody.safeParse(json);
    const message = parsed.success ? (parsed.data.message ?? '') : '';
    if (status === 401 && (/please wait/i.test(message) || (parsed.success && parsed.data.require_login))) {
      return fail('rate_limited', 'HTTP 401 "Please wait a few minutes"');
    }
    const problem = SESSION_PROBLEMS.find((p) => message.includes(p));
    if ((status === 400 || status === 403 || status === 401) && problem) {
      // Without a session there is nothing to disable: Instagram wants a login from this IP.
      return withSession ? fail('session_invalid', problem) : fail('login_wall', `${problem} (anonymous)`);
    }
    return fail(
      'unexpected',
      `HTTP ${status}${message ? `: ${message.slice(0, 80)}` : ''}`,
      body.slice(0, 300),
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return fail('unexpected', 'answer of an unexpected shape', body.slice(0, 300));
  return { ok: true, value: parsed.data, latencyMs };
}

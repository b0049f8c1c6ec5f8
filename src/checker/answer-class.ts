import { z } from 'zod';
import { maskSecrets } from '../core/mask.js';
import type { RawAnswer } from './transport.js';

/**
 * What one answer from Instagram says, before it becomes a profile's outcome. The classes that speak
 * about a route rather than a profile or a proxy (wall, retired, fingerprint, changed) feed the route
 * health rule in route-health.ts; docs/instagram.md lists the answer shapes behind each.
 */
export type AnswerClass =
  | 'ok'
  /** The username does not exist (only a resolve route's 404 says this). */
  | 'not_found'
  /** The business-account "asset ... has been deleted" answer: back this profile off. */
  | 'unavailable'
  /** This IP is being throttled: cool the proxy down (all routes). */
  | 'rate_limited'
  /** This route will not answer this IP without a login (401 require_login, bare 401/403 on graphql). */
  | 'wall'
  /** The route's query id or hash is no longer served (400 "execution error", data null with errors). */
  | 'retired'
  /** 429 "useragent mismatch": our headers do not look like one browser; no proxy is at fault. */
  | 'fingerprint'
  /** A 200 of a shape the route cannot read: Instagram changed something. */
  | 'changed'
  /** A session Instagram does not accept any more (logged out, challenge, hidden-challenge 404). */
  | 'session_invalid'
  | 'transient'
  | 'proxy_failed'
  | 'unexpected';

export type Failure = {
  cls: Exclude<AnswerClass, 'ok'>;
  detail: string;
  latencyMs: number;
  /** Start of the body, masked: what the operator sees in `instagram doctor` and alerts. */
  sample?: string;
};
export type Classified<T> = { cls: 'ok'; value: T; latencyMs: number } | Failure;

/** Classes that are evidence about a route as a whole (several lanes answering them suspend it). */
export const ROUTE_EVIDENCE: ReadonlySet<AnswerClass> = new Set([
  'wall',
  'retired',
  'fingerprint',
  'changed',
]);

const failureBody = z
  .object({
    message: z.string().optional(),
    require_login: z.boolean().optional(),
    status: z.string().optional(),
    errors: z.unknown().optional(),
    error_type: z.string().optional(),
  })
  .passthrough();

export function sampleOf(body: string): string {
  return maskSecrets(body.replace(/\s+/g, ' ').slice(0, 200));
}

const SESSION_GONE = [
  'login_required',
  'user_has_logged_out',
  'challenge_required',
  'checkpoint_required',
  'consent_required',
  'feedback_required',
  'sentry_block',
  'spam',
];

export interface ClassifyOptions {
  /** The request carried a session's cookies. */
  withSession: boolean;
  /** What a 404 means on this route: a missing user (anonymous resolve), a session problem, or nothing known. */
  notFound: 'not_found' | 'session_invalid' | 'unexpected';
  /** graphql routes: a bare 401/403 is the datacenter wall. */
  graphql: boolean;
  /** The route wants an HTML page (the profile page), not JSON. */
  html?: boolean;
}

export type Readable =
  | { kind: 'json'; json: unknown; latencyMs: number }
  | { kind: 'html'; html: string; latencyMs: number };

type Fail = (cls: Failure['cls'], detail: string, withSample?: boolean) => Failure;

function redirectFailure(status: number, location: string, session: boolean, fail: Fail): Failure {
  const where = /\/challenge\//.test(location)
    ? 'a challenge'
    : /\/accounts\/login/.test(location)
      ? 'the login page'
      : 'another page';
  return session
    ? fail('session_invalid', `logged out: HTTP ${status} redirect to ${where}`, false)
    : fail('wall', `HTTP ${status} redirect to ${where}`, false);
}

/** A 404 means what the route says it means, except a bare one to a logged-in call. */
function notFoundFailure(opts: ClassifyOptions, bare: boolean, said: string, fail: Fail): Failure {
  // instagrapi PR #2433: a bare "Not Found" (no JSON) to a logged-in call is a hidden challenge.
  if (opts.withSession && bare)
    return fail('session_invalid', 'HTTP 404 "Not Found" to a logged-in call (a hidden challenge)');
  if (opts.notFound === 'not_found') return fail('not_found', said, false);
  if (opts.notFound === 'session_invalid')
    return fail('session_invalid', `HTTP 404 "Not Found" to a logged-in call (a hidden challenge)`);
  return fail('unexpected', said);
}

/**
 * Classifies everything that is not a readable success: network failures, statuses, error messages
 * (read whatever the status, as Instagram also answers 200 with "status":"fail"). Returns the body to
 * parse when the answer is a success of the right kind.
 */
export function classifyAnswer(raw: RawAnswer, opts: ClassifyOptions): Failure | Readable {
  if (raw.kind === 'failure') return { cls: raw.outcome, detail: raw.detail, latencyMs: raw.latencyMs };
  const { status, headers, body, latencyMs } = raw;
  const fail: Fail = (cls, detail, withSample = true) => ({
    cls,
    detail,
    latencyMs,
    ...(withSample ? { sample: sampleOf(body) } : {}),
  });
  const session = opts.withSession;
  if (status >= 300 && status < 400)
    return redirectFailure(status, String(headers.location ?? ''), session, fail);
  if (status >= 500) return fail('transient', `HTTP ${status}`);
  const contentType = String(headers['content-type'] ?? '');
  const trimmed = body.trimStart();
  const looksHtml = contentType.includes('text/html') || trimmed.startsWith('<');
  let json: unknown;
  if (!looksHtml && trimmed !== '') {
    try {
      json = JSON.parse(body);
    } catch {
      if (status === 200 && !opts.html) return fail('changed', 'HTTP 200 with malformed JSON');
    }
  }
  // Only an answer that may be a failure is read as one: this runs for every request.
  const obj = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : undefined;
  const mayFail =
    obj !== undefined &&
    (status !== 200 || 'message' in obj || 'errors' in obj || obj.status === 'fail' || obj.data === null);
  const parsed = mayFail ? failureBody.safeParse(json) : undefined;
  const f = parsed?.success ? parsed.data : undefined;
  const message = (f?.message ?? '').slice(0, 200);
  const said = (words: string) => `HTTP ${status}${words ? ` "${words}"` : ''}`;
  if (/useragent mismatch/i.test(message)) return fail('fingerprint', said(message));
  if (status === 429) return fail('rate_limited', said(message || 'Too Many Requests'));
  const sessionProblem = SESSION_GONE.find((p) => message.includes(p) || f?.error_type === p);
  if (sessionProblem || /please wait a few minutes/i.test(message) || f?.require_login === true) {
    const what = sessionProblem ?? (f?.require_login ? 'require_login' : 'please wait');
    return session
      ? fail('session_invalid', `logged out or blocked: ${said(what)}`)
      : fail('wall', said(message || what));
  }
  if (message.includes('rate_limit_error')) return fail('rate_limited', said(message));
  if (/asset .*deleted|has been deleted/i.test(message)) return fail('unavailable', said(message));
  const errors = f?.errors;
  const hasErrors = Array.isArray(errors) && errors.length > 0;
  const dataNull =
    json !== null && typeof json === 'object' && 'data' in json && (json as { data: unknown }).data === null;
  if (
    /execution error|invalid request|persisted query|unknown query/i.test(message) ||
    JSON.stringify(f?.errors ?? '').includes('execution error')
  )
    return fail('retired', said(message || 'execution error'));
  if (status === 200 && dataNull && hasErrors)
    return fail('retired', 'HTTP 200 with "data": null and errors');
  if (status === 404) return notFoundFailure(opts, json === undefined, said(message), fail);
  if (status === 401 || status === 403) {
    if (opts.graphql || !session)
      return fail('wall', said(message || (status === 401 ? 'Unauthorized' : 'Forbidden')));
    return fail(status === 401 ? 'session_invalid' : 'wall', said(message));
  }
  if (status === 400 && !message) return fail('retired', 'HTTP 400 without a message');
  if (status !== 200) return fail('unexpected', said(message));
  if (f?.status === 'fail') return fail('unexpected', said(message || 'status fail'));
  if (opts.html) {
    if (!looksHtml) return fail('changed', 'a JSON answer where the profile page was expected');
    return { kind: 'html', html: body, latencyMs };
  }
  if (looksHtml) {
    return session
      ? fail('session_invalid', 'logged out: an HTML page instead of JSON', false)
      : fail('wall', 'an HTML page instead of JSON (login wall)', false);
  }
  if (json === undefined) return fail('changed', 'HTTP 200 with an empty body');
  return { kind: 'json', json, latencyMs };
}

/** Reads a success body with a route's schema; a shape it cannot read is a `changed` route. */
export function readShape<T>(
  readable: { json: unknown; latencyMs: number },
  schema: z.ZodType<T>,
  rawBody?: string,
): Classified<T> {
  const parsed = schema.safeParse(readable.json);
  if (!parsed.success)
    return {
      cls: 'changed',
      detail: 'answer of an unexpected shape',
      latencyMs: readable.latencyMs,
      sample: sampleOf(rawBody ?? JSON.stringify(readable.json)),
    };
  return { cls: 'ok', value: parsed.data, latencyMs: readable.latencyMs };
}

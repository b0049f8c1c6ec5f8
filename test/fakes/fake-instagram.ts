import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  BUSINESS_ASSET_400_BODY,
  type FakeSession,
  type FakeUser,
  LOGIN_HTML,
  NOT_FOUND_PAGE_HTML,
  PLEASE_WAIT_BODY,
  profileInfoBody,
  profilePageHtml,
  RETIRED_200_BODY,
  RETIRED_400_BODY,
  reelsHashBody,
  reelsMediaBody,
  sessionProblemBody,
  storyQueryBody,
  USERAGENT_MISMATCH_BODY,
  WALL_401_BODY,
} from './fake-instagram-answers.js';

export type { FakeSession, FakeUser } from './fake-instagram-answers.js';

export const STORY_QUERY_ID = '9957820854288654';
export const REELS_QUERY_HASH = '303a4ae99711322310f25250d988f3b7';
export const IG_APP_ID = '936619743392459';

/** profile: web_profile_info; page: the logged-out profile page; story: the anonymous reel query;
 * hash: the logged-in query_hash reels query; reels: feed/reels_media. */
export type FakeEndpoint = 'profile' | 'page' | 'story' | 'hash' | 'reels' | 'home' | 'other';

/**
 * How Instagram was seen to behave in 2026 (docs/instagram.md), switchable per test:
 * - anonLookupWalled: web_profile_info without a session answers 401 require_login;
 * - anonQueryRetired: the anonymous reel query_id answers 400 "execution error";
 * - hashRetired: the query_hash reels query answers 200 with data null and errors;
 * - emptySessions: these sessionids answer every logged-in story call with an empty success;
 * - useragentMismatch: web_profile_info answers 429 "useragent mismatch";
 * - datacenterIps: graphql from these client IPs answers a bare 401;
 * - pageWalled: the profile page shows the login form;
 * - businessAsset: web_profile_info for these usernames answers the "asset ... deleted" 400.
 */
export interface FakeModes {
  anonLookupWalled: boolean;
  anonQueryRetired: boolean;
  hashRetired: boolean;
  emptySessions: Set<string>;
  useragentMismatch: boolean;
  datacenterIps: Set<string>;
  pageWalled: boolean;
  businessAsset: Set<string>;
}

/** Every misbehaviour Instagram is known for, as the answer a rule forces. */
export type FakeAnswer =
  | 'rate_limit_429'
  | 'please_wait'
  | 'not_found'
  | 'login_redirect'
  | 'html'
  | 'server_error'
  | 'malformed_json'
  | 'unexpected_shape'
  | 'login_required'
  | 'challenge_required'
  | 'checkpoint_required'
  | 'feedback_required'
  | 'wall_401'
  | 'useragent_mismatch'
  | 'retired_400'
  | 'retired_200'
  | 'empty_success'
  /** Never answers (the client's timeout must fire). */
  | 'hang';

export interface FakeRule {
  answer: FakeAnswer;
  endpoint?: FakeEndpoint;
  /** Client IP as the fake sees it (127.0.0.2 for the second local proxy, ...). */
  ip?: string;
  username?: string;
  userId?: string;
  sessionid?: string;
  /** How many requests the rule applies to; forever when absent. */
  times?: number;
}

export interface FakeRateLimit {
  perIp: number;
  windowMs: number;
  answer: '429' | 'please_wait';
}

export interface FakeRequest {
  at: number;
  /** Path and query string as sent. */
  path?: string;
  ip: string;
  endpoint: FakeEndpoint;
  status: number;
  username?: string;
  userId?: string;
  reelIds?: string[];
  sessionid?: string;
  userAgent?: string;
  appId?: string;
  asbdId?: string;
  secChUa?: string;
  secFetchMode?: string;
}

export interface FakeInstagramOptions {
  users?: FakeUser[];
  sessions?: FakeSession[];
  latencyMs?: number;
  rateLimit?: FakeRateLimit;
  now?: () => number;
}

export class FakeInstagram {
  readonly users = new Map<string, FakeUser>();
  readonly usersById = new Map<string, FakeUser>();
  readonly sessions = new Map<string, FakeSession>();
  readonly requests: FakeRequest[] = [];
  rules: FakeRule[] = [];
  readonly modes: FakeModes = {
    anonLookupWalled: false,
    anonQueryRetired: false,
    hashRetired: false,
    emptySessions: new Set(),
    useragentMismatch: false,
    datacenterIps: new Set(),
    pageWalled: false,
    businessAsset: new Set(),
  };
  latencyMs: number;
  rateLimit: FakeRateLimit | undefined;
  now: () => number;
  /** The most requests that were being served at the same moment (the batch engine's thread cap). */
  maxConcurrent = 0;
  private concurrent = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  url = '';

  constructor(options: FakeInstagramOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.rateLimit = options.rateLimit;
    this.now = options.now ?? Date.now;
    for (const u of options.users ?? []) this.addUser(u);
    for (const s of options.sessions ?? []) this.addSession(s);
  }

  addUser(user: FakeUser): void {
    const u = { ...user, username: user.username.toLowerCase() };
    this.users.set(u.username, u);
    this.usersById.set(u.id, u);
  }

  /** Posts (or, with null, removes) a user's story from now on. */
  setStory(username: string, postedAt: Date | null): void {
    const user = this.users.get(username.toLowerCase());
    if (!user) throw new Error(`fake Instagram has no user ${username}`);
    user.storyPostedAt = postedAt;
  }

  /** From now on Instagram refuses this session with a challenge (as after a suspicious login). */
  challengeSession(sessionid: string): void {
    for (const endpoint of ['reels', 'hash', 'profile'] as const)
      this.misbehave({ answer: 'challenge_required', endpoint, sessionid: decodeURIComponent(sessionid) });
  }

  /** Browsers send the sessionid URL-encoded (`123%3Aabc`); the fake keys sessions by the decoded value. */
  addSession(session: FakeSession): void {
    this.sessions.set(decodeURIComponent(session.sessionid), session);
  }

  misbehave(rule: FakeRule): void {
    this.rules.push({ ...rule });
  }

  /** Requests per client IP (one per proxy when the proxies bind distinct loopback addresses). */
  get requestsByIp(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.requests) out[r.ip] = (out[r.ip] ?? 0) + 1;
    return out;
  }

  /** Arrival times (ms) of each client IP's requests, oldest first. */
  get timelineByIp(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const r of this.requests) {
      const list = out[r.ip] ?? [];
      list.push(r.at);
      out[r.ip] = list;
    }
    return out;
  }

  requestsTo(endpoint: FakeEndpoint): FakeRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  resetCounters(): void {
    this.requests.length = 0;
    this.maxConcurrent = this.concurrent;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 30_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    this.server = server;
    const addr = server.address() as AddressInfo;
    this.url = `http://${host}:${addr.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private takeRule(ctx: Omit<FakeRequest, 'status' | 'at'>): FakeRule | undefined {
    const ids = ctx.reelIds ?? (ctx.userId ? [ctx.userId] : []);
    const rule = this.rules.find(
      (r) =>
        (r.times === undefined || r.times > 0) &&
        (!r.endpoint || r.endpoint === ctx.endpoint) &&
        (!r.ip || r.ip === ctx.ip) &&
        (!r.username || r.username === ctx.username) &&
        (!r.userId || ids.includes(r.userId)) &&
        (!r.sessionid || r.sessionid === ctx.sessionid),
    );
    if (rule && rule.times !== undefined) rule.times--;
    return rule;
  }

  private overRateLimit(ip: string, at: number): boolean {
    if (!this.rateLimit) return false;
    const since = at - this.rateLimit.windowMs;
    let n = 0;
    for (const r of this.requests) if (r.ip === ip && r.at > since) n++;
    return n > this.rateLimit.perIp;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.concurrent++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://fake.local');
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const cookie = String(req.headers.cookie ?? '');
    const sessionid = /(?:^|;\s*)sessionid=([^;]+)/.exec(cookie)?.[1];
    const ctx: Omit<FakeRequest, 'status' | 'at'> = {
      ip,
      endpoint: endpointOf(url),
      userAgent: req.headers['user-agent'],
      appId: header(req, 'x-ig-app-id'),
      asbdId: header(req, 'x-asbd-id'),
      secChUa: header(req, 'sec-ch-ua'),
      secFetchMode: header(req, 'sec-fetch-mode'),
      ...(sessionid ? { sessionid: decodeURIComponent(sessionid) } : {}),
    };
    if (ctx.endpoint === 'profile') ctx.username = (url.searchParams.get('username') ?? '').toLowerCase();
    if (ctx.endpoint === 'page')
      ctx.username = decodeURIComponent(url.pathname.split('/')[1] ?? '').toLowerCase();
    if (ctx.endpoint === 'story') ctx.userId = url.searchParams.get('user_id') ?? '';
    if (ctx.endpoint === 'reels') ctx.reelIds = url.searchParams.getAll('reel_ids');
    if (ctx.endpoint === 'hash') ctx.reelIds = hashReelIds(url);
    const record: FakeRequest = { ...ctx, at, status: 0, path: req.url ?? '/' };
    this.requests.push(record);
    try {
      const rule = this.takeRule(ctx);
      if (rule?.answer === 'hang') {
        await new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
        return;
      }
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      const limited = this.overRateLimit(ip, at);
      const answer: FakeAnswer | undefined =
        rule?.answer ??
        (limited ? (this.rateLimit?.answer === '429' ? 'rate_limit_429' : 'please_wait') : undefined);
      record.status = answer ? this.misbehaviour(res, answer) : this.serve(res, record);
    } finally {
      this.concurrent--;
    }
  }

  private misbehaviour(res: ServerResponse, answer: Exclude<FakeAnswer, 'hang'>): number {
    switch (answer) {
      case 'rate_limit_429':
        return send(res, 429, { message: 'rate limited', status: 'fail' });
      case 'please_wait':
        return send(res, 401, PLEASE_WAIT_BODY);
      case 'not_found':
        return send(res, 404, { message: 'Page not found', status: 'fail' });
      case 'login_redirect':
        res.writeHead(302, { location: 'https://www.instagram.com/accounts/login/?next=%2F' });
        res.end();
        return 302;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(LOGIN_HTML);
        return 200;
      case 'server_error':
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<html><body>Oops, an error occurred.</body></html>');
        return 500;
      case 'malformed_json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data":{"user":{"id":"1",');
        return 200;
      case 'unexpected_shape':
        return send(res, 200, { data: { viewer: { surprise: true } }, status: 'ok' });
      case 'login_required':
        return send(res, 403, sessionProblemBody('login_required'));
      case 'challenge_required':
      case 'checkpoint_required':
      case 'feedback_required':
        return send(res, 400, sessionProblemBody(answer));
      case 'wall_401':
        return send(res, 401, WALL_401_BODY);
      case 'useragent_mismatch':
        return send(res, 429, USERAGENT_MISMATCH_BODY);
      case 'retired_400':
        return send(res, 400, RETIRED_400_BODY);
      case 'retired_200':
        return send(res, 200, RETIRED_200_BODY);
      case 'empty_success':
        return send(res, 200, { reels: {}, reels_media: [], data: { reels_media: [] }, status: 'ok' });
    }
  }

  /** The 2026 behaviours switched on in `modes`, before the normal answer. */
  private modeAnswer(r: FakeRequest): Exclude<FakeAnswer, 'hang'> | undefined {
    const m = this.modes;
    const loggedIn = r.sessionid !== undefined && this.sessions.has(r.sessionid);
    if (r.endpoint === 'profile' && !loggedIn) {
      if (m.useragentMismatch) return 'useragent_mismatch';
      if (m.anonLookupWalled) return 'wall_401';
    }
    if (r.endpoint === 'story' && m.anonQueryRetired) return 'retired_400';
    if (r.endpoint === 'hash' && m.hashRetired) return 'retired_200';
    if ((r.endpoint === 'hash' || r.endpoint === 'reels') && r.sessionid && m.emptySessions.has(r.sessionid))
      return 'empty_success';
    if (r.endpoint === 'page' && m.pageWalled) return 'html';
    return undefined;
  }

  /** What a browser's headers must agree on: the app id on XHRs, and client hints matching the UA. */
  private fingerprintOk(r: FakeRequest): boolean {
    if (r.endpoint === 'page' || r.endpoint === 'home' || r.endpoint === 'other') return true;
    if (r.appId !== IG_APP_ID) return false;
    const major = /Chrome\/(\d+)/.exec(r.userAgent ?? '')?.[1];
    return !r.secChUa || !major || r.secChUa.includes(`v="${major}"`);
  }

  private serve(res: ServerResponse, r: FakeRequest): number {
    const now = this.now();
    if (r.endpoint === 'home') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><head><title>Instagram</title></head><body></body></html>');
      return 200;
    }
    // An unknown query id or hash: Instagram answers as for a retired one (docs/instagram.md).
    if (r.endpoint === 'other' && r.path?.startsWith('/graphql/query/'))
      return send(res, 400, RETIRED_400_BODY);
    if (r.endpoint === 'other') return send(res, 404, { message: 'Page not found', status: 'fail' });
    if (!this.fingerprintOk(r)) return send(res, 429, USERAGENT_MISMATCH_BODY);
    if ((r.endpoint === 'story' || r.endpoint === 'hash') && this.modes.datacenterIps.has(r.ip))
      return send(res, 401, { status: 'fail' });
    const mode = this.modeAnswer(r);
    if (mode) return this.misbehaviour(res, mode);
    if (r.endpoint === 'page') return this.servePage(res, r);
    if (r.endpoint === 'profile') {
      if (this.modes.businessAsset.has(r.username ?? '')) return send(res, 400, BUSINESS_ASSET_400_BODY);
      const user = this.users.get(r.username ?? '');
      return user ? send(res, 200, profileInfoBody(user)) : send(res, 404, { message: '', status: 'fail' });
    }
    if (r.endpoint === 'story')
      return send(res, 200, storyQueryBody(this.usersById.get(r.userId ?? ''), now));
    // reels_media and the query_hash reels query: logged-in only.
    if (!r.sessionid || !this.sessions.has(r.sessionid))
      return send(res, 403, sessionProblemBody('login_required'));
    const ids = r.reelIds ?? [];
    const max = r.endpoint === 'hash' ? 50 : 20;
    if (ids.length === 0) return send(res, 400, { message: 'reel_ids is required', status: 'fail' });
    if (ids.length > max) return send(res, 400, { message: 'Too many reels requested', status: 'fail' });
    // A logged-in viewer sees public accounts' stories; private ones it does not follow are absent.
    const visible = ids
      .map((id) => this.usersById.get(id))
      .filter((u): u is FakeUser => u !== undefined && u.isPrivate !== true);
    return send(res, 200, r.endpoint === 'hash' ? reelsHashBody(visible, now) : reelsMediaBody(visible, now));
  }

  private servePage(res: ServerResponse, r: FakeRequest): number {
    const user = this.users.get(r.username ?? '');
    res.writeHead(user ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(user ? profilePageHtml(user) : NOT_FOUND_PAGE_HTML);
    return user ? 200 : 404;
  }
}

function endpointOf(url: URL): FakeEndpoint {
  if (url.pathname === '/') return 'home';
  if (url.pathname === '/api/v1/users/web_profile_info/') return 'profile';
  if (url.pathname === '/graphql/query/' && url.searchParams.get('query_id') === STORY_QUERY_ID)
    return 'story';
  if (url.pathname === '/graphql/query/' && url.searchParams.get('query_hash') === REELS_QUERY_HASH)
    return 'hash';
  if (url.pathname === '/api/v1/feed/reels_media/') return 'reels';
  if (/^\/[A-Za-z0-9._]{1,30}\/$/.test(url.pathname)) return 'page';
  return 'other';
}

function hashReelIds(url: URL): string[] {
  try {
    const v = JSON.parse(url.searchParams.get('variables') ?? '{}') as { reel_ids?: unknown };
    return Array.isArray(v.reel_ids) ? v.reel_ids.map(String) : [];
  } catch {
    return [];
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(res: ServerResponse, status: number, body: unknown): number {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
  return status;
}

/** `count` users named user0..userN-1 with ids 1000..; every `storyEvery`-th has a story posted an hour ago. */
export function generateUsers(
  count: number,
  options: { storyEvery?: number; privateEvery?: number } = {},
): FakeUser[] {
  const storyEvery = options.storyEvery ?? 3;
  const users: FakeUser[] = [];
  for (let i = 0; i < count; i++) {
    users.push({
      username: `user${i}`,
      id: String(1000 + i),
      isPrivate: options.privateEvery ? i % options.privateEvery === options.privateEvery - 1 : false,
      storyPostedAt: storyEvery > 0 && i % storyEvery === 0 ? new Date(Date.now() - 3600_000) : null,
    });
  }
  return users;
}

export async function startFakeInstagram(options: FakeInstagramOptions = {}): Promise<FakeInstagram> {
  const fake = new FakeInstagram(options);
  await fake.start();
  return fake;
}

/** `npx tsx test/fakes/fake-instagram.ts --port 8787 [--users 1000] [--latency 100] [--proxies 2]` */
async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? Number(argv[i + 1]) : fallback;
  };
  const fake = new FakeInstagram({
    users: generateUsers(arg('users', 1000)),
    sessions: [{ sessionid: 'fake-session', csrftoken: 'fake-csrf', dsUserId: '4242424242' }],
    latencyMs: arg('latency', 0),
  });
  const url = await fake.start(arg('port', 8787));
  console.log(
    `fake Instagram on ${url} (users user0..user${fake.users.size - 1}; session: sessionid=fake-session; csrftoken=fake-csrf; ds_user_id=4242424242)`,
  );
  const nProxies = arg('proxies', 0);
  const { startConnectProxies } = await import('./connect-proxy.js');
  const proxies = nProxies > 0 ? await startConnectProxies(nProxies, { username: 'u', password: 'p' }) : [];
  for (const p of proxies) console.log(`proxy ${p.host}:${p.port}:u:p (exits from ${p.localAddress})`);
  console.log(`INSTAGRAM_WEB_URL=${url}`);
  const stats = () =>
    JSON.stringify({
      requestsByIp: fake.requestsByIp,
      maxConcurrent: fake.maxConcurrent,
      tunnels: proxies.map((p) => p.connects),
    });
  setInterval(() => console.log(`stats ${stats()}`), 30_000).unref();
  // `kill -USR2` prints the counters now (the bench reads them before stopping the fake).
  process.on('SIGUSR2', () => console.log(`stats ${stats()}`));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2));
}

/**
 * A SIMULATED Instagram, for `npm run demo` only.
 *
 * Why it exists: the demo shows the whole workflow (import, proxies, a batch, results, stats, the
 * digest) on a machine with nothing but Postgres and Redis, and without sending a single request to
 * the real Instagram. It answers the routes the checker uses without a session (web_profile_info, the
 * profile page, the anonymous reel query, and `/` for `proxy test`) in their real shapes, over a
 * seeded population: live, expired and private stories, accounts that are gone, one false 404 (an
 * account that answers "not found" through the first proxy only, as Instagram does per IP when it
 * throttles), and a few 429s through the second proxy early on.
 *
 * Only src/demo starts it (biome.json refuses an import from anywhere else): no production role
 * imports it and no setting points the service at it; the demo passes its URL in-process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { INSTAGRAM_DEFAULTS } from '../core/instagram/index.js';
import {
  HOME_HTML,
  NOT_FOUND_BODY,
  NOT_FOUND_PAGE_HTML,
  profileInfoBody,
  profilePageHtml,
  RATE_LIMITED_BODY,
  storyQueryBody,
} from './answers.js';
import type { SimUser } from './population.js';
import type { ProxyExits } from './proxies.js';

export interface SimInstagramOptions {
  users: readonly SimUser[];
  /** Which proxy the simulator tells apart by (see proxies.ts). */
  exits: ProxyExits;
  /** The proxy whose requests answer "not found" for the false-404 account. */
  falseNotFoundVia: string;
  /** The proxy whose first `rateLimitedFirst` data requests answer 429. */
  rateLimitedVia: string;
  rateLimitedFirst: number;
  /** Each answer waits a random time in [min, max] ms, as a real network does. */
  latencyMs: [number, number];
  random: () => number;
}

/** What the simulator answered, for the demo's closing line and for tests. */
export interface SimCounters {
  requests: number;
  byProxy: Record<string, number>;
  rateLimited: number;
  notFound: number;
}

export interface SimInstagram {
  url: string;
  counters: SimCounters;
  stop(): Promise<void>;
}

type Answer = { status: number; json?: unknown; html?: string };

function send(res: ServerResponse, a: Answer): void {
  const text = a.html ?? JSON.stringify(a.json);
  res.writeHead(a.status, {
    'content-type': a.html === undefined ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The answer to one request as the simulated population gives it. */
function answer(o: SimInstagramOptions, url: URL, via: string, counters: SimCounters): Answer {
  const byName = (name: string) => o.users.find((u) => u.username === name.toLowerCase());
  const visible = (u: SimUser | undefined) =>
    u && u.kind !== 'gone' && !(u.kind === 'false_404' && via === o.falseNotFoundVia) ? u : undefined;
  if (url.pathname === '/') return { status: 200, html: HOME_HTML };
  // The first requests through one proxy are throttled, as a fresh IP often is for a moment.
  if (via === o.rateLimitedVia && (counters.byProxy[via] ?? 0) <= o.rateLimitedFirst) {
    counters.rateLimited++;
    return { status: 429, json: RATE_LIMITED_BODY };
  }
  if (url.pathname === '/api/v1/users/web_profile_info/') {
    const user = visible(byName(url.searchParams.get('username') ?? ''));
    if (!user) counters.notFound++;
    return user ? { status: 200, json: profileInfoBody(user) } : { status: 404, json: NOT_FOUND_BODY };
  }
  if (
    url.pathname === '/graphql/query/' &&
    url.searchParams.get('query_id') === INSTAGRAM_DEFAULTS.reelQueryId
  ) {
    const id = url.searchParams.get('user_id');
    const user = o.users.find((u) => u.id === id && u.kind !== 'gone');
    return { status: 200, json: storyQueryBody(user, Date.now()) };
  }
  const page = /^\/([A-Za-z0-9._]{1,30})\/$/.exec(url.pathname)?.[1];
  if (page) {
    const user = visible(byName(page));
    if (!user) counters.notFound++;
    return user ? { status: 200, html: profilePageHtml(user) } : { status: 404, html: NOT_FOUND_PAGE_HTML };
  }
  // Anything else (a logged-in route, an unknown query): what Instagram says to an unknown query id.
  return { status: 400, json: { message: 'invalid request', status: 'fail' } };
}

export async function startSimInstagram(o: SimInstagramOptions): Promise<SimInstagram> {
  const counters: SimCounters = { requests: 0, byProxy: {}, rateLimited: 0, notFound: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const via = o.exits.get(req.socket.remotePort ?? -1) ?? 'direct';
    const url = new URL(req.url ?? '/', 'http://sim.local');
    counters.requests++;
    if (url.pathname !== '/') counters.byProxy[via] = (counters.byProxy[via] ?? 0) + 1;
    const [lo, hi] = o.latencyMs;
    const a = answer(o, url, via, counters);
    setTimeout(() => send(res, a), lo + o.random() * (hi - lo));
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counters,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

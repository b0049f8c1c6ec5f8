import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { request } from 'undici';
import type { CoreDeps } from '../core/deps.js';
import { UserError } from '../core/errors.js';
import { recordEvent } from '../core/events.js';
import { INSTAGRAM_DEFAULTS } from '../core/instagram/index.js';
import { maskSecrets } from '../core/mask.js';
import { loadProxyCredentials, notifyProxiesChanged, type ProxyCredentials } from '../core/proxies/index.js';
import {
  claimDueDeadProxies,
  coolDownAfterFailedTest,
  markProxyTestPassed,
  PROXY_TEST_HEALTH_DEFAULTS,
  type ProxyTestHealthOptions,
} from '../core/proxies/proxy-health.js';
import { createProxyDispatcher } from './proxy-dispatcher.js';
import { RateBudget } from './rate-budget.js';

export type ProxyTestStatus = 'reachable' | 'auth_refused' | 'timeout' | 'unreachable' | 'skipped';

export interface ProxyTestResult {
  id: number;
  address: string;
  /** 'skipped': the proxy's request budget had no slot, nothing was sent through it. */
  status: ProxyTestStatus;
  latencyMs: number;
  detail: string;
  /** The proxy's health after the test ('ok', 'failing', 'dead'; unchanged when skipped). */
  health: string;
  /** Until when the proxy rests after a failed test (null when it is not cooling). */
  coolingUntil: Date | null;
  /** When skipped: how long until the proxy's budget has a slot again. */
  nextSlotInMs?: number;
}

/**
 * How the per-proxy request budget was honoured: 'used' (every test took a slot), 'unavailable' (Redis
 * did not answer in time: the tests went out without it) or 'none' (no budget given).
 */
export type ProxyTestBudgetUse = 'used' | 'unavailable' | 'none';

/** What `proxy test` found; the bot command turns it into a reply. */
export interface ProxyTestReport {
  instagramUrl: string;
  /** The host the requests went out from (the process handling the command, not a worker). */
  testedFrom: string;
  budget: ProxyTestBudgetUse;
  /** One per proxy, in id order. */
  results: ProxyTestResult[];
}

export interface ProxyTestOptions extends Partial<ProxyTestHealthOptions> {
  instagramUrl: string;
  timeoutMs: number;
  /**
   * The checker's per-proxy budget (or a way to reach it); each test takes one slot. Without it the
   * tests are only capped in concurrency.
   */
  budget?: RateBudget | (() => Promise<RateBudget>);
  /** Proxies tested at the same time (default 4). */
  concurrency?: number;
  /** How long Redis gets to answer before the tests go out without the budget (default 2 s). */
  budgetTimeoutMs?: number;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_BUDGET_TIMEOUT_MS = 2_000;
/** A slot this close is waited for; a later one makes the test skip the proxy. */
const SHORT_BUDGET_WAIT_MS = 1_000;

/**
 * The checker's budget (`${QUEUE_PREFIX}:checker`, PROXY_REQUESTS_PER_MINUTE per minute) on a Redis
 * connection obtained at first use, so a process whose commands never test proxies opens none.
 */
export function lazyProxyBudget(
  connect: () => Redis | Promise<Redis>,
  env: { QUEUE_PREFIX: string; PROXY_REQUESTS_PER_MINUTE: number },
): () => Promise<RateBudget> {
  let budget: Promise<RateBudget> | undefined;
  return () => {
    if (!budget) {
      const made = Promise.resolve()
        .then(connect)
        .then(
          (redis) =>
            new RateBudget(redis, `${env.QUEUE_PREFIX}:checker`, env.PROXY_REQUESTS_PER_MINUTE, 60_000),
        );
      // A failed attempt (Redis unreachable) is not remembered: the next test tries again.
      made.catch(() => {
        if (budget === made) budget = undefined;
      });
      budget = made;
    }
    return budget;
  };
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Takes budget slots for one run; gives up on the budget (not on the test) when Redis does not answer. */
class BudgetGate {
  use: ProxyTestBudgetUse;
  private budget: Promise<RateBudget> | undefined;

  constructor(
    private readonly source: ProxyTestOptions['budget'],
    private readonly timeoutMs: number,
    private readonly log: CoreDeps['log'],
  ) {
    this.use = source ? 'used' : 'none';
  }

  /** 'go' after the slot's start (waited for here), or the time until the proxy has one. */
  async take(key: string): Promise<{ go: true } | { go: false; waitMs: number }> {
    for (let attempt = 0; ; attempt++) {
      if (this.use !== 'used' || !this.source) return { go: true };
      let r: Awaited<ReturnType<RateBudget['reserve']>>;
      try {
        const source = this.source;
        this.budget ??= source instanceof RateBudget ? Promise.resolve(source) : source();
        r = await within(
          this.budget.then((b) => b.reserve([key])),
          this.timeoutMs,
        );
      } catch (err) {
        if (this.use === 'used') {
          this.use = 'unavailable';
          this.log.warn({ err }, 'proxy test: request budget unavailable (Redis), testing without it');
        }
        return { go: true };
      }
      if ('key' in r) {
        if (r.startsInMs > 0) await sleep(r.startsInMs);
        return { go: true };
      }
      if (r.waitMs > SHORT_BUDGET_WAIT_MS || attempt >= 2) return { go: false, waitMs: r.waitMs };
      await sleep(r.waitMs);
    }
  }
}

type Probe = Omit<ProxyTestResult, 'health' | 'coolingUntil' | 'nextSlotInMs'>;

async function testOne(p: ProxyCredentials, url: string, timeoutMs: number): Promise<Probe> {
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

const healthOptions = (options: ProxyTestOptions): ProxyTestHealthOptions => ({
  cooldownBaseMs: options.cooldownBaseMs ?? PROXY_TEST_HEALTH_DEFAULTS.cooldownBaseMs,
  cooldownMaxMs: options.cooldownMaxMs ?? PROXY_TEST_HEALTH_DEFAULTS.cooldownMaxMs,
  deadAfter: options.deadAfter ?? PROXY_TEST_HEALTH_DEFAULTS.deadAfter,
  retestBaseMs: options.retestBaseMs ?? PROXY_TEST_HEALTH_DEFAULTS.retestBaseMs,
  retestMaxMs: options.retestMaxMs ?? PROXY_TEST_HEALTH_DEFAULTS.retestMaxMs,
});

/** Tests one proxy within its budget and stores what the test says about its health. */
async function testAndRecord(
  core: CoreDeps,
  p: ProxyCredentials,
  url: string,
  options: ProxyTestOptions,
  gate: BudgetGate,
): Promise<ProxyTestResult> {
  const address = `${p.host}:${p.port}`;
  if (!p.unreadable) {
    const slot = await gate.take(String(p.id));
    if (!slot.go) {
      const s = Math.ceil(slot.waitMs / 1000);
      return {
        id: p.id,
        address,
        status: 'skipped',
        latencyMs: 0,
        detail: `budget used, next slot in ${s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`}`,
        health: p.health,
        coolingUntil: p.coolingUntil,
        nextSlotInMs: slot.waitMs,
      };
    }
  }
  const probe = await testOne(p, url, options.timeoutMs);
  const state =
    probe.status === 'reachable'
      ? await markProxyTestPassed(core, p.id)
      : await coolDownAfterFailedTest(core, p.id, `proxy test: ${probe.detail}`, healthOptions(options));
  // No row: the proxy was removed while it was being tested.
  return { ...probe, health: state?.health ?? 'removed', coolingUntil: state?.coolingUntil ?? null };
}

/** Tests the proxies at most `concurrency` at a time (results in the given order). */
async function runTests(
  core: CoreDeps,
  chosen: readonly ProxyCredentials[],
  options: ProxyTestOptions,
): Promise<ProxyTestReport> {
  const url = `${options.instagramUrl.replace(/\/+$/, '')}/`;
  const gate = new BudgetGate(options.budget, options.budgetTimeoutMs ?? DEFAULT_BUDGET_TIMEOUT_MS, core.log);
  const results: ProxyTestResult[] = new Array(chosen.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < chosen.length; i = next++) {
      results[i] = await testAndRecord(core, chosen[i] as ProxyCredentials, url, options, gate);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, chosen.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (results.some((r) => r.status !== 'skipped')) await notifyProxiesChanged(core);
  return { instagramUrl: options.instagramUrl, testedFrom: hostname(), budget: gate.use, results };
}

async function recordTestEvent(core: CoreDeps, title: string, results: readonly ProxyTestResult[]) {
  const tested = results.filter((r) => r.status !== 'skipped');
  if (tested.length === 0) return;
  const bad = tested.filter((r) => r.status !== 'reachable');
  await recordEvent(core, {
    kind: 'proxy',
    level: bad.length > 0 ? 'warn' : 'info',
    message: `${title}: ${tested.length - bad.length} reachable, ${bad.length} failed${bad.length ? ` (${bad.map((d) => `#${d.id} ${d.status}, now ${d.health}`).join('; ')})` : ''}${tested.length < results.length ? `, ${results.length - tested.length} skipped (budget used)` : ''}`,
    data: {
      results: results.map((r) => ({ id: r.id, status: r.status, latencyMs: r.latencyMs, health: r.health })),
    },
  });
}

/**
 * `proxy test`: one real request through each proxy (or one) to INSTAGRAM_WEB_URL, from the process
 * handling the command, at most 4 at a time and each within the proxy's request budget (a proxy whose
 * budget has no slot is skipped, not tested). A reachable proxy is marked ok and its cooldown cleared;
 * a failing one cools down like in the pool and is marked failing, dead after 3 failures in a row.
 */
export async function testProxies(
  core: CoreDeps,
  options: ProxyTestOptions,
  proxyId?: number,
): Promise<ProxyTestReport> {
  const all = await loadProxyCredentials(core);
  const chosen = proxyId === undefined ? all : all.filter((p) => p.id === proxyId);
  if (proxyId !== undefined && chosen.length === 0)
    throw new UserError('proxy_not_found', `No proxy has id ${proxyId}. \`proxy list\` shows the ids.`);
  const report = await runTests(core, chosen, options);
  await recordTestEvent(core, 'Proxy test', report.results);
  return report;
}

/** `testProxies` with its options fixed (a lazily reached budget is then reached once, not per call). */
export function proxyTester(
  core: CoreDeps,
  options: ProxyTestOptions,
): (proxyId?: number) => Promise<ProxyTestReport> {
  return (proxyId) => testProxies(core, options, proxyId);
}

/**
 * Retests the dead proxies whose backoff has passed (retestBaseMs, default 5 min, doubling per failed
 * retest up to retestMaxMs, 6 h): a proxy that works again comes back as ok. Meant to be called
 * periodically (the worker's sweep does); at most `limit` proxies (default 4) per call.
 */
export async function retestDeadProxies(
  core: CoreDeps,
  options: ProxyTestOptions & { limit?: number },
): Promise<ProxyTestReport> {
  const ids = await claimDueDeadProxies(core, { ...healthOptions(options), limit: options.limit ?? 4 });
  const due = new Set(ids);
  const chosen = due.size === 0 ? [] : (await loadProxyCredentials(core)).filter((p) => due.has(p.id));
  if (chosen.length === 0)
    return { instagramUrl: options.instagramUrl, testedFrom: hostname(), budget: 'none', results: [] };
  const report = await runTests(core, chosen, options);
  const back = report.results.filter((r) => r.health === 'ok');
  core.log.info(
    {
      tested: report.results.map((r) => ({ id: r.id, status: r.status, health: r.health })),
      recovered: back.map((r) => r.id),
    },
    'dead proxies retested',
  );
  await recordTestEvent(core, 'Dead proxy retest', report.results);
  return report;
}

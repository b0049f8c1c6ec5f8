import { Counter, Gauge, type Registry } from 'prom-client';
import type { RouteView } from '../checker/route-health.js';
import type { MetricsSnapshot } from '../core/metrics-snapshot.js';
import type { Snapshot } from './metrics.js';

// The families about the resources checks go through (proxies, Instagram routes), apart from the
// work families in metrics.ts: each family reads the shared snapshot at scrape time.

export function registerProxyMetrics(registers: Registry[], snapshot: Snapshot): void {
  const labelNames = ['proxy', 'address'] as const;
  const labels = (p: MetricsSnapshot['proxies'][number]) => ({ proxy: String(p.id), address: p.address });
  new Counter({
    name: 'storywatch_proxy_requests_total',
    help: 'Requests through each proxy, by result (success or failure).',
    labelNames: [...labelNames, 'result'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const p of s.proxies) {
        this.inc({ ...labels(p), result: 'success' }, p.successes);
        this.inc({ ...labels(p), result: 'failure' }, p.failures);
      }
    },
  });
  new Counter({
    name: 'storywatch_proxy_failures_total',
    help: 'Failed requests through each proxy, by checker outcome (rate_limited, proxy_failed, ...).',
    labelNames: [...labelNames, 'outcome'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const p of s.proxies) {
        for (const [outcome, n] of Object.entries(p.failuresByOutcome)) {
          this.inc({ ...labels(p), outcome }, Number(n) || 0);
        }
      }
    },
  });
  new Gauge({
    name: 'storywatch_proxy_latency_median_seconds',
    help: 'Median of the latest request latencies through each proxy.',
    labelNames,
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const p of s.proxies) {
        if (p.medianLatencyMs !== null) this.set(labels(p), p.medianLatencyMs / 1000);
      }
    },
  });
  new Gauge({
    name: 'storywatch_proxy_cooldown_seconds',
    help: 'Seconds until each proxy leaves its cooldown (0 when usable now).',
    labelNames,
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const p of s.proxies) this.set(labels(p), p.coolingSeconds);
    },
  });
  new Gauge({
    name: 'storywatch_proxy_cooldown_level',
    help: 'How many cooldowns in a row each proxy has had (the backoff step).',
    labelNames,
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const p of s.proxies) this.set(labels(p), p.cooldownLevel);
    },
  });
  new Gauge({
    name: 'storywatch_proxy_usable',
    help: '1 when a proxy is enabled, not dead and not cooling down.',
    labelNames: [...labelNames, 'health'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const p of s.proxies) {
        const usable = p.enabled && p.health !== 'dead' && p.coolingSeconds === 0;
        this.set({ ...labels(p), health: p.health }, usable ? 1 : 0);
      }
    },
  });
}

export function registerRouteMetrics(
  registers: Registry[],
  view: () => Promise<RouteView[] | undefined>,
): void {
  new Counter({
    name: 'storywatch_instagram_route_answers_total',
    help: 'Answers per Instagram route and answer class (ok, wall, retired, fingerprint, changed, rate_limited, ...).',
    labelNames: ['route', 'answer'],
    registers,
    async collect() {
      const v = await view();
      if (!v) return;
      this.reset();
      for (const r of v)
        for (const [answer, n] of Object.entries(r.answers)) this.inc({ route: r.route, answer }, n);
    },
  });
  new Gauge({
    name: 'storywatch_instagram_route_usable',
    help: '1 when a route is in use, 0.5 on probation after a suspension, 0 while suspended.',
    labelNames: ['route'],
    registers,
    async collect() {
      const v = await view();
      if (!v) return;
      this.reset();
      for (const r of v)
        this.set({ route: r.route }, r.status === 'active' ? 1 : r.status === 'probation' ? 0.5 : 0);
    },
  });
}

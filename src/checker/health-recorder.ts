import type { CoreDeps } from '../core/deps.js';
import { maskSecrets } from '../core/mask.js';
import { addProxyHealthStats, LATENCY_WINDOW, type ProxyHealthStats } from '../core/proxies/proxy-health.js';

type Pending = Omit<ProxyHealthStats, 'id'>;

/**
 * Health stats per proxy, accumulated in memory and written in one statement every few seconds: a
 * write per request would make Postgres the checker's bottleneck.
 */
export class HealthRecorder {
  private pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: Pick<CoreDeps, 'sql' | 'log' | 'clock'>,
    private readonly flushEveryMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  record(
    proxyId: number,
    result: { ok: boolean; outcome?: string; latencyMs: number; error?: string },
  ): void {
    let p = this.pending.get(proxyId);
    if (!p) {
      p = { successes: 0, failures: 0, byOutcome: {}, latencies: [], lastError: null, lastUsedAt: null };
      this.pending.set(proxyId, p);
    }
    if (result.ok) p.successes++;
    else {
      p.failures++;
      const k = result.outcome ?? 'error';
      p.byOutcome[k] = (p.byOutcome[k] ?? 0) + 1;
      if (result.error) p.lastError = maskSecrets(result.error).slice(0, 300);
    }
    p.latencies.push(result.latencyMs);
    if (p.latencies.length > LATENCY_WINDOW) p.latencies.shift();
    p.lastUsedAt = this.deps.clock.now();
  }

  /** Writes what has accumulated; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.write())
      .catch((err: unknown) => {
        this.deps.log.warn({ err }, 'proxy health stats flush failed');
      });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.entries()].map(([id, p]) => ({ id, ...p }));
    this.pending = new Map();
    await addProxyHealthStats(this.deps, batch);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

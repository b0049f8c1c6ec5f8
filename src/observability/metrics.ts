import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RouteView } from '../checker/route-health.js';
import type { Sql } from '../core/db/client.js';
import { loadMetricsSnapshot, type MetricsSnapshot } from '../core/metrics-snapshot.js';
import { registerProxyMetrics, registerRouteMetrics } from './resource-metrics.js';

/** Anything with BullMQ's `getJobCounts` (a Queue): kept structural so tests and roles pass their own. */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

export interface MetricsSources {
  sql: Sql;
  /** STORYWATCH_TIMEZONE: stories "today" are counted from midnight there, as for the daily targets. */
  timeZone: string;
  /** Queues whose depth is reported (batches, deliveries); may change as roles start. */
  queues(): readonly CountableQueue[];
  /** Process-local facts: bots connected, last scheduler tick (absent where the role does not run). */
  bots?(): Array<{ platform: string; connected: boolean }>;
  lastSchedulerTick?(): Date | null;
  /** Instagram route health and answer counts, shared by all workers (Redis). */
  routes?(): Promise<RouteView[]>;
}

/** How long a collector may take before its last value is served instead (a scrape never hangs). */
const COLLECTOR_DEADLINE_MS = 1_500;

/**
 * A source read with a deadline, shared by the collectors of one scrape (cached for `ttlMs`). A read
 * that fails or misses the deadline serves the last good value (undefined before the first) and
 * marks the source down in `up` (storywatch_collector_up).
 */
function guarded<T>(
  name: string,
  read: () => Promise<T>,
  up: Map<string, number>,
  ttlMs = SNAPSHOT_TTL_MS,
): () => Promise<T | undefined> {
  let last: T | undefined;
  let cached: { at: number; value: Promise<T | undefined> } | undefined;
  const once = async (): Promise<T | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), COLLECTOR_DEADLINE_MS);
    });
    try {
      const got = await Promise.race([
        read().then(
          (v) => ({ v }),
          () => 'failed' as const,
        ),
        late,
      ]);
      if (typeof got === 'object') {
        last = got.v;
        up.set(name, 1);
        return got.v;
      }
      up.set(name, 0);
      return last;
    } finally {
      clearTimeout(timer);
    }
  };
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) cached = { at: now, value: once() };
    return cached.value;
  };
}

const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
];
/** Up to an hour and a half: a 1,000-profile batch at 60 a minute takes about 17 minutes. */
const BATCH_BUCKETS = [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400];
/** One scrape runs every collect callback; they share a single read of the tables. */
const SNAPSHOT_TTL_MS = 1_000;

export type Snapshot = () => Promise<MetricsSnapshot | undefined>;

/**
 * The /metrics registry. Every storywatch number here is computed at scrape time from Postgres, Redis
 * and BullMQ (see core/metrics-snapshot.ts for why), so counters are set from the stored totals rather
 * than incremented; Prometheus treats a drop (a purge) as a counter reset, which is what it was.
 * Every process reports the same global numbers: scrape one of them, or aggregate with max().
 */
export function createMetricsRegistry(sources: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'storywatch_process_' });

  const up = new Map<string, number>();
  const snapshot = guarded(
    'postgres',
    () => loadMetricsSnapshot({ sql: sources.sql }, { timeZone: sources.timeZone, now: new Date() }),
    up,
  );
  const queueCounts = guarded(
    'queues',
    () =>
      Promise.all(
        sources.queues().map(async (q) => ({ name: q.name, counts: await q.getJobCounts(...QUEUE_STATES) })),
      ),
    up,
  );
  const routes = sources.routes ? guarded('routes', sources.routes, up) : undefined;
  const registers = [registry];
  new Gauge({
    name: 'storywatch_collector_up',
    help: '1 when a source of these metrics answered within its deadline at the last scrape; 0 means its numbers are the last known ones.',
    labelNames: ['collector'],
    registers,
    async collect() {
      await Promise.all([snapshot(), queueCounts(), routes?.()]);
      this.reset();
      for (const [collector, v] of up) this.set({ collector }, v);
    },
  });
  registerCheckMetrics(registers, snapshot);
  registerBatchMetrics(registers, snapshot, queueCounts);
  registerProxyMetrics(registers, snapshot);
  if (routes) registerRouteMetrics(registers, routes);
  registerDeliveryMetrics(registers, snapshot);
  registerImportMetrics(registers, snapshot);
  registerProcessMetrics(registers, sources);
  return registry;
}

function registerCheckMetrics(registers: Registry[], snapshot: Snapshot): void {
  new Counter({
    name: 'storywatch_checks_total',
    help: 'Profile checks recorded by batches, by outcome (story, no_story, private, not_found, errors).',
    labelNames: ['outcome'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const c of s.checks) this.inc({ outcome: c.outcome }, c.count);
    },
  });
  new Counter({
    name: 'storywatch_stories_found_total',
    help: 'Stories found by all batches.',
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      this.inc(s.storiesTotal);
    },
  });
  new Gauge({
    name: 'storywatch_stories_today',
    help: 'Profiles with a story today (since midnight in STORYWATCH_TIMEZONE), by niche: the count its daily target is compared to.',
    labelNames: ['niche'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const r of s.storiesToday) this.set({ niche: r.niche }, r.count);
    },
  });
}

function registerBatchMetrics(
  registers: Registry[],
  snapshot: Snapshot,
  queueCounts: () => Promise<Array<{ name: string; counts: Record<string, number> }> | undefined>,
): void {
  new Gauge({
    name: 'storywatch_batches',
    help: 'Batches by status.',
    labelNames: ['status'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const r of s.batchesByStatus) this.set({ status: r.status }, r.count);
    },
  });
  new Histogram({
    name: 'storywatch_batch_duration_seconds',
    help: 'Start-to-finish duration of batches that finished in the last 24 hours.',
    labelNames: ['status', 'trigger'],
    buckets: BATCH_BUCKETS,
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const b of s.finishedBatches) this.observe({ status: b.status, trigger: b.trigger }, b.seconds);
    },
  });
  new Gauge({
    name: 'storywatch_queue_jobs',
    help: 'BullMQ jobs by queue and state (queue depth).',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      const counts = await queueCounts();
      if (!counts) return;
      this.reset();
      for (const q of counts) {
        for (const state of QUEUE_STATES) this.set({ queue: q.name, state }, q.counts[state] ?? 0);
      }
    },
  });
}

function registerDeliveryMetrics(registers: Registry[], snapshot: Snapshot): void {
  new Gauge({
    name: 'storywatch_deliveries',
    help: 'Chat deliveries (digests, batch summaries) by status.',
    labelNames: ['status'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const r of s.deliveries) this.set({ status: r.status }, r.count);
    },
  });
  new Gauge({
    name: 'storywatch_delivery_targets',
    help: 'Chats subscribed to the hourly digest, by platform and whether delivery is enabled.',
    labelNames: ['platform', 'enabled'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      for (const r of s.deliveryTargets) {
        this.set({ platform: r.platform, enabled: String(r.enabled) }, r.count);
      }
    },
  });
}

function registerImportMetrics(registers: Registry[], snapshot: Snapshot): void {
  new Counter({
    name: 'storywatch_imports_total',
    help: 'Username imports run (from the events log).',
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      this.inc(s.imports.runs);
    },
  });
  new Counter({
    name: 'storywatch_imported_usernames_total',
    help: 'Usernames seen by imports, by result (added, already_present, repeated in the file, malformed).',
    labelNames: ['result'],
    registers,
    async collect() {
      const s = await snapshot();
      if (!s) return;
      this.reset();
      this.inc({ result: 'added' }, s.imports.added);
      this.inc({ result: 'already_present' }, s.imports.alreadyPresent);
      this.inc({ result: 'repeated' }, s.imports.repeated);
      this.inc({ result: 'malformed' }, s.imports.malformed);
    },
  });
}

function registerProcessMetrics(registers: Registry[], sources: MetricsSources): void {
  if (sources.bots) {
    const bots = sources.bots;
    new Gauge({
      name: 'storywatch_bot_connected',
      help: '1 when this process holds a connected chat front-end.',
      labelNames: ['platform'],
      registers,
      collect() {
        this.reset();
        for (const b of bots()) this.set({ platform: b.platform }, b.connected ? 1 : 0);
      },
    });
  }
  if (sources.lastSchedulerTick) {
    const lastTick = sources.lastSchedulerTick;
    new Gauge({
      name: 'storywatch_scheduler_last_tick_timestamp_seconds',
      help: 'When the scheduler in this process last ran its tick (unix seconds; 0 = not yet).',
      registers,
      collect() {
        const at = lastTick();
        this.set(at ? at.getTime() / 1000 : 0);
      },
    });
  }
}

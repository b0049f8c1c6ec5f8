import { maskSecrets } from '../core/mask.js';

/** One part of the service /healthz reports on; `check` throws (or rejects) when the part is unhealthy. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthPart {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'fail';
  /** The names of the parts that failed, so the first line of a 503 says what to look at. */
  failing: string[];
  parts: Record<string, HealthPart>;
}

/** A hung dependency must make /healthz fail, not hang: load balancers time out and retry otherwise. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs = HEALTH_CHECK_TIMEOUT_MS,
): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c): Promise<[string, HealthPart]> => {
      const started = performance.now();
      try {
        await withTimeout(c.check(), timeoutMs);
        return [c.name, { ok: true, ms: Math.round(performance.now() - started) }];
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return [
          c.name,
          { ok: false, ms: Math.round(performance.now() - started), error: maskSecrets(message) },
        ];
      }
    }),
  );
  const parts = Object.fromEntries(results);
  const failing = results.filter(([, p]) => !p.ok).map(([name]) => name);
  return { status: failing.length === 0 ? 'ok' : 'fail', failing, parts };
}

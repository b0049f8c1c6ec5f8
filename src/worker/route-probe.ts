import type { Redis } from 'ioredis';
import type { CheckerAlert } from '../checker/alerts.js';
import type { DoctorReport } from '../checker/doctor.js';

/**
 * The hourly doctor: runs the probe once per period across all scheduler processes, and announces each
 * route that worked at the last probe and does not now, or the reverse, once.
 */
export async function probeRoutes(input: {
  redis: Redis;
  prefix: string;
  period: number;
  ttlMs: number;
  probe(): Promise<DoctorReport>;
  announce(alert: CheckerAlert): Promise<unknown>;
}): Promise<{ ran: boolean; changed: CheckerAlert[] }> {
  const claimed = await input.redis.set(
    `${input.prefix}:probe:${input.period}`,
    String(process.pid),
    'PX',
    input.ttlMs,
    'NX',
  );
  if (!claimed) return { ran: false, changed: [] };
  const report = await input.probe();
  const lastKey = `${input.prefix}:probe:last`;
  const before = await input.redis.hgetall(lastKey);
  const changed: CheckerAlert[] = [];
  for (const r of report.routes) {
    if (r.tried === 0) continue;
    const now = r.worked ? '1' : '0';
    const was = before[r.route];
    if (was !== undefined && was !== now) {
      changed.push({
        kind: r.worked ? 'route_recovered' : 'route_suspended',
        key: `probe:${r.route}:${input.period}:${now}`,
        route: r.route,
        message: r.worked
          ? `Hourly probe: Instagram route ${r.route} answers again (canary @${report.canary}).`
          : `Hourly probe: Instagram route ${r.route} stopped answering (canary @${report.canary}): ${report.rows.find((x) => x.route === r.route && x.answer !== 'ok')?.sample ?? 'no answer'}. \`instagram doctor\` shows every proxy and session.`,
      });
    }
  }
  const state = Object.fromEntries(
    report.routes.filter((r) => r.tried > 0).map((r) => [r.route, r.worked ? '1' : '0']),
  );
  if (Object.keys(state).length > 0) await input.redis.hset(lastKey, state);
  for (const alert of changed) await input.announce(alert);
  return { ran: true, changed };
}

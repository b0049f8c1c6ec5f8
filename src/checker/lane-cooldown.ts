import type { CoreDeps } from '../core/deps.js';
import { recordEvent } from '../core/events.js';
import { maskSecrets } from '../core/mask.js';
import { notifyProxiesChanged } from '../core/proxies/index.js';
import { escalateProxyCooldown } from '../core/proxies/proxy-health.js';
import type { Lane, PoolOptions } from './proxy-pool.js';

type Deps = Pick<CoreDeps, 'sql' | 'db' | 'clock' | 'log'>;
type Options = Pick<PoolOptions, 'cooldownBaseMs' | 'cooldownMaxMs'>;

/** A cooldown that cannot be stored (Postgres away) still applies in this process. */
export async function coolDownLane(deps: Deps, options: Options, lane: Lane, reason: string): Promise<void> {
  try {
    await coolDown(deps, options, lane, reason);
  } catch (err) {
    lane.coolingUntil = Math.max(lane.coolingUntil, deps.clock.now().getTime() + options.cooldownBaseMs);
    deps.log.warn({ proxyId: lane.proxyId, err }, 'cooldown not persisted');
  }
}

/** Exponential cooldown with jitter from `cooldownBaseMs`, persisted on the proxy row (core). */
async function coolDown(deps: Deps, options: Options, lane: Lane, reason: string): Promise<void> {
  const now = deps.clock.now();
  if (lane.coolingUntil > now.getTime()) return;
  if (lane.proxyId === null) {
    const jitter = 0.8 + Math.random() * 0.4;
    const ms = Math.min(options.cooldownMaxMs, options.cooldownBaseMs * 2 ** lane.cooldownLevel) * jitter;
    lane.cooldownLevel++;
    lane.coolingUntil = now.getTime() + ms;
    deps.log.warn({ lane: 'direct', coolingMs: Math.round(ms) }, 'direct connection cooling down');
    return;
  }
  const masked = maskSecrets(reason).slice(0, 300);
  const got = await escalateProxyCooldown(deps, lane.proxyId, reason, options);
  if (!got.escalated || got.cooldownLevel === null) {
    lane.coolingUntil = Math.max(lane.coolingUntil, got.coolingUntil?.getTime() ?? 0);
    return;
  }
  lane.coolingUntil = got.coolingUntil?.getTime() ?? now.getTime();
  lane.cooldownLevel = got.cooldownLevel;
  const seconds = Math.round((lane.coolingUntil - now.getTime()) / 1000);
  deps.log.warn(
    { proxyId: lane.proxyId, coolingSeconds: seconds, cooldownLevel: lane.cooldownLevel, reason: masked },
    'proxy cooling down',
  );
  await notifyProxiesChanged(deps);
  await recordEvent(deps, {
    kind: 'proxy',
    level: 'warn',
    message: `Proxy #${lane.proxyId} ${lane.address} cooling down for ${seconds}s (step ${lane.cooldownLevel}): ${masked}`,
    data: { proxyId: lane.proxyId, coolingSeconds: seconds, cooldownLevel: lane.cooldownLevel },
  });
}

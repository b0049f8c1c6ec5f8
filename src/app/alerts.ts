import type { CheckerAlert } from '../checker/types.js';
import { listTargets } from '../core/delivery-targets.js';
import type { CoreDeps } from '../core/deps.js';
import { maskSecrets } from '../core/mask.js';
import type { DeliveryProducer } from '../delivery/types.js';
import { reply } from '../reply/reply.js';

/**
 * Sends a checker alert (a session disabled, a route suspended or back) to every chat that receives the hourly digest,
 * since those are the operator's chats. The event log and `stats` already carry it; this makes sure a
 * person hears of it without looking. One delivery per alert and chat, whatever the retries.
 */
export async function deliverCheckerAlert(
  deps: { core: CoreDeps; deliveries: DeliveryProducer },
  alert: CheckerAlert,
): Promise<number> {
  const targets = (await listTargets(deps.core)).filter((t) => t.enabled);
  for (const t of targets) {
    await deps.deliveries.enqueue({
      target: { platform: t.platform, chatId: t.chatId },
      reply: reply.text(
        maskSecrets(alert.message),
        alert.kind === 'route_recovered' ? 'success' : 'warning',
        {
          alert: alert.kind,
          sessionId: alert.sessionId,
          route: alert.route,
        },
      ),
      // Keyed by the occurrence (this disablement, this suspension), not by the session or route: the
      // same account re-added and refused again is announced again.
      dedupeKey: `alert:${alert.key}:${t.id}`,
    });
  }
  return targets.length;
}

import { and, eq } from 'drizzle-orm';
import { deliveryTargets } from './db/schema/index.js';
import type { CoreDeps } from './deps.js';
import { UserError } from './errors.js';

export type ChatPlatformName = 'telegram' | 'discord';
export type DeliveryTarget = typeof deliveryTargets.$inferSelect;

function chatPlatform(platform: string): ChatPlatformName {
  if (platform === 'telegram' || platform === 'discord') return platform;
  throw new UserError(
    'digest_needs_chat',
    'Digests go to a chat: run `/digest here` in the Telegram chat or Discord channel that should receive them.',
  );
}

/** `/digest here`: this chat gets the hourly digest (again, if it had been disabled). */
export async function subscribeDigest(
  deps: Pick<CoreDeps, 'db' | 'clock'>,
  where: { platform: string; chatId: string },
): Promise<{ target: DeliveryTarget; reenabled: boolean; alreadySubscribed: boolean }> {
  const platform = chatPlatform(where.platform);
  const [existing] = await deps.db
    .select()
    .from(deliveryTargets)
    .where(and(eq(deliveryTargets.platform, platform), eq(deliveryTargets.chatId, where.chatId)));
  if (existing?.enabled) return { target: existing, reenabled: false, alreadySubscribed: true };
  // A new subscriber starts from now: it should not receive a backlog of the past 24 h as "new".
  const [target] = await deps.db
    .insert(deliveryTargets)
    .values({ platform, chatId: where.chatId, lastDigestAt: deps.clock.now() })
    .onConflictDoUpdate({
      target: [deliveryTargets.platform, deliveryTargets.chatId],
      set: { enabled: true, disabledReason: null, lastDigestAt: deps.clock.now() },
    })
    .returning();
  return { target: target!, reenabled: existing !== undefined, alreadySubscribed: false };
}

/** `/digest off`: stops digests to this chat; returns false when it was not subscribed. */
export async function unsubscribeDigest(
  deps: Pick<CoreDeps, 'db'>,
  where: { platform: string; chatId: string },
): Promise<boolean> {
  const platform = chatPlatform(where.platform);
  const rows = await deps.db
    .update(deliveryTargets)
    .set({ enabled: false, disabledReason: 'turned off by the operator' })
    .where(
      and(
        eq(deliveryTargets.platform, platform),
        eq(deliveryTargets.chatId, where.chatId),
        eq(deliveryTargets.enabled, true),
      ),
    )
    .returning({ id: deliveryTargets.id });
  return rows.length > 0;
}

/** The platform refused this chat for good (403, chat not found): stop sending there. */
export async function disableTarget(
  deps: Pick<CoreDeps, 'db'>,
  where: { platform: ChatPlatformName; chatId: string },
  reason: string,
): Promise<DeliveryTarget | undefined> {
  const [row] = await deps.db
    .update(deliveryTargets)
    .set({ enabled: false, disabledReason: reason })
    .where(and(eq(deliveryTargets.platform, where.platform), eq(deliveryTargets.chatId, where.chatId)))
    .returning();
  return row;
}

/**
 * A chat now lives under another id (Telegram upgrades a group to a supergroup and tells us the new id
 * once): its digest subscription and the batches started there follow it, so later summaries and
 * progress edits go to the new id too. If the new id is subscribed already, the old subscription is
 * disabled (not deleted: its delivery history stays).
 */
export async function moveChat(
  deps: Pick<CoreDeps, 'sql'>,
  where: { platform: ChatPlatformName; chatId: string },
  newChatId: string,
): Promise<{ changed: boolean }> {
  return deps.sql.begin(async (tx) => {
    const taken = await tx`
      select 1 from delivery_targets where platform = ${where.platform} and chat_id = ${newChatId}`;
    const targets =
      taken.length > 0
        ? await tx`update delivery_targets set enabled = false, disabled_reason = ${`moved to ${newChatId}`}
                   where platform = ${where.platform} and chat_id = ${where.chatId} and enabled returning id`
        : await tx`update delivery_targets set chat_id = ${newChatId}
                   where platform = ${where.platform} and chat_id = ${where.chatId} returning id`;
    const batchRows = await tx`
      update batches set origin = jsonb_set(origin, '{chatId}', to_jsonb(${newChatId}::text))
      where origin->>'platform' = ${where.platform} and origin->>'chatId' = ${where.chatId} returning id`;
    return { changed: targets.length + batchRows.length > 0 };
  });
}

export async function listTargets(deps: Pick<CoreDeps, 'db'>): Promise<DeliveryTarget[]> {
  return deps.db.select().from(deliveryTargets).orderBy(deliveryTargets.id);
}

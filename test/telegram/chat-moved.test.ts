import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryTargets, events } from '../../src/core/db/schema/index.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import { startDeliveryWorker } from '../../src/delivery/worker.js';
import { reply } from '../../src/reply/reply.js';
import { type BotHarness, startBotHarness, visible } from './harness.js';

describe('Telegram: a group upgraded to a supergroup', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Queues a delivery to `oldId`, whose first send Telegram refuses naming `newId`; returns what arrived there. */
  async function deliverAfterMove(oldId: string, newId: number, text: string, dedupeKey: string) {
    h.fake.failNext('sendMessage', 1, 400, {
      description: 'Bad Request: group chat was upgraded to a supergroup chat',
      parameters: { migrate_to_chat_id: newId },
    });
    const producer = createDeliveryProducer(h.app);
    const worker = startDeliveryWorker(h.app, { telegram: h.bot.sender });
    try {
      await producer.enqueue({
        target: { platform: 'telegram', chatId: oldId },
        reply: reply.text(text),
        dedupeKey,
      });
      return await h.fake.waitFor(() => h.fake.messagesTo(newId)[0]);
    } finally {
      await worker.close();
      await producer.close();
    }
  }

  it('GIVEN Telegram says the digest chat moved to a new id THEN the delivery goes there and the subscription follows', async () => {
    const oldId = '-4012345';
    const newId = -1009876543210;
    await h.app.core.db.insert(deliveryTargets).values({ platform: 'telegram', chatId: oldId });
    // A batch started in that group: its summary and progress must follow the move too.
    const [batch] = await h.app.core.sql<Array<{ id: number }>>`
      insert into batches (niche_name, trigger, requested, status, origin)
      values ('Fitness', 'manual', 1, 'completed', ${h.app.core.sql.json({ platform: 'telegram', chatId: oldId })})
      returning id`;
    const arrived = await deliverAfterMove(oldId, newId, 'Hourly digest: 2 new stories', 'digest:moved-chat');
    expect(visible(arrived)).toBe('Hourly digest: 2 new stories');
    const targets = await h.app.core.db.select().from(deliveryTargets);
    console.log(
      `targets after the move: ${targets.map((t) => `${t.chatId} enabled=${t.enabled}`).join(', ')}`,
    );
    expect(targets.map((t) => [t.chatId, t.enabled])).toEqual([[String(newId), true]]);
    const logged = await h.app.core.db.select().from(events);
    expect(logged.some((e) => e.message.includes(`is now ${newId}`))).toBe(true);
    const [origin] = await h.app.core.sql<Array<{ chatId: string }>>`
      select origin->>'chatId' as "chatId" from batches where id = ${batch!.id}`;
    expect(origin?.chatId).toBe(String(newId));
  });

  it('GIVEN the new id already gets the digest THEN the old subscription is disabled, not deleted, and the delivery still arrives', async () => {
    const oldId = '-4099999';
    const newId = -1004444444444;
    await h.app.core.db.insert(deliveryTargets).values([
      { platform: 'telegram', chatId: oldId },
      { platform: 'telegram', chatId: String(newId) },
    ]);
    await deliverAfterMove(oldId, newId, 'Batch #9 summary', 'summary:moved-twice');
    const rows = await h.app.core.sql<Array<{ chatId: string; enabled: boolean; reason: string | null }>>`
      select chat_id as "chatId", enabled, disabled_reason as reason from delivery_targets
      where chat_id in (${oldId}, ${String(newId)}) order by enabled`;
    expect(rows).toEqual([
      { chatId: oldId, enabled: false, reason: `moved to ${newId}` },
      { chatId: String(newId), enabled: true, reason: null },
    ]);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveries, niches, profiles } from '../../src/core/db/schema/index.js';
import { subscribeDigest, unsubscribeDigest } from '../../src/core/delivery-targets.js';
import { startOfDay } from '../../src/core/time.js';
import { createDeliveryProducer } from '../../src/delivery/producer.js';
import type { Delivery, DeliveryProducer } from '../../src/delivery/types.js';
import { runDigestTick } from '../../src/worker/digests.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const T0 = new Date('2026-11-23T18:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

describe('hourly digest', () => {
  let app: TestApp;
  let producer: DeliveryProducer;

  /** As a batch of the profile's niche records it: the detection carries that niche. */
  async function detect(username: string, when: Date) {
    await app.core.sql`
      insert into detections (username, niche_id, detected_at)
      select username, niche_id, ${when} from profiles where username = ${username}`;
  }
  async function outbox(): Promise<Delivery[]> {
    const rows = await app.core.db.select().from(deliveries).orderBy(deliveries.id);
    return rows.map((r) => r.payload as unknown as Delivery);
  }
  const tick = (now: Date) =>
    runDigestTick({ core: app.core, deliveries: producer, timeZone: app.env.STORYWATCH_TIMEZONE }, now);
  function usernamesOf(d: Delivery): Record<string, readonly string[]> {
    const out: Record<string, readonly string[]> = {};
    for (const b of d.reply.blocks) if (b.type === 'usernames') out[b.title] = b.usernames;
    return out;
  }

  beforeEach(async () => {
    app = await createTestApp();
    producer = createDeliveryProducer(app);
    const [fit] = await app.core.db
      .insert(niches)
      .values({ name: 'Fitness', position: 1, dailyTarget: 20 })
      .returning();
    const [trv] = await app.core.db.insert(niches).values({ name: 'Travel', position: 2 }).returning();
    await app.core.db.insert(profiles).values([
      { username: 'anna', nicheId: fit!.id },
      { username: 'bob', nicheId: fit!.id },
      { username: 'cara', nicheId: trv!.id },
      { username: 'dan', nicheId: null },
    ]);
    await subscribeDigest(
      { db: app.core.db, clock: { now: () => at(-120) } },
      { platform: 'telegram', chatId: '42' },
    );
  });
  afterEach(async () => {
    await producer.close();
    await app.destroy();
  });

  it('GIVEN stories first seen in the last hour THEN the digest lists them per niche with counts against the target', async () => {
    await detect('anna', at(-30));
    await detect('bob', at(-10));
    await detect('cara', at(-5));
    await detect('dan', at(-1));
    const { queued } = await tick(at(1));
    expect(queued).toBe(1);
    const [d] = await outbox();
    expect(d!.target).toEqual({ platform: 'telegram', chatId: '42' });
    expect(d!.dedupeKey).toBe(`digest:1:${T0.toISOString()}`);
    expect(usernamesOf(d!)).toEqual({
      'Fitness, today 2/20, new': ['bob', 'anna'],
      'Travel, today 1, new': ['cara'],
      'unassigned, today 1, new': ['dan'],
    });
  });

  it('GIVEN the tick runs twice in one hour THEN the digest is queued once', async () => {
    await detect('anna', at(-30));
    expect((await tick(at(1))).queued).toBe(1);
    expect((await tick(at(40))).queued).toBe(0);
    expect(await outbox()).toHaveLength(1);
  });

  it('GIVEN a story seen again by a later batch THEN the next digest does not announce it again', async () => {
    await detect('anna', at(-30));
    await tick(at(1));
    await detect('anna', at(20)); // same story, re-detected
    await detect('bob', at(30));
    await tick(at(61));
    const all = await outbox();
    expect(all).toHaveLength(2);
    expect(usernamesOf(all[1]!)).toEqual({ 'Fitness, today 2/20, new': ['bob'] });
  });

  it('GIVEN an hour with no new stories THEN no message is sent, and the chat is not flooded later', async () => {
    expect((await tick(at(1))).queued).toBe(0);
    await detect('bob', at(10));
    expect((await tick(at(61))).queued).toBe(1);
  });

  it('GIVEN the chat said /digest off THEN it gets no digest', async () => {
    await unsubscribeDigest(app.core, { platform: 'telegram', chatId: '42' });
    await detect('anna', at(-30));
    expect((await tick(at(1))).queued).toBe(0);
  });

  it('GIVEN a time zone THEN "today" starts at local midnight', () => {
    const now = new Date('2026-11-23T02:30:00Z');
    expect(startOfDay(now, 'UTC').toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(startOfDay(now, 'America/New_York').toISOString()).toBe('2026-11-22T05:00:00.000Z');
    expect(startOfDay(now, 'Asia/Tokyo').toISOString()).toBe('2026-11-22T15:00:00.000Z');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/core/retention.js';
import { run } from '../core/command-helpers.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';

let deps: TestDeps;
let nicheId: number;

beforeAll(async () => {
  deps = await createTestDeps();
  await run(deps, 'niche add fitness');
  const [n] = await deps.sql<{ id: number }[]>`select id from niches where name = 'fitness'`;
  nicheId = n!.id;
  await deps.sql`insert into profiles (username, niche_id) values ('seen1', ${nicheId})`;
  // Every delete statement on the purged tables logs how many rows it removed, so the test sees the
  // size of each statement itself, not only what purgeExpired reports.
  await deps.sql.unsafe(`
    create table stmt_log (tbl text not null, n int not null);
    create function log_delete() returns trigger language plpgsql as $$
    begin
      insert into stmt_log select TG_TABLE_NAME, count(*) from old_rows having count(*) > 0;
      return null;
    end $$;
    create trigger batch_items_log after delete on batch_items referencing old table as old_rows
      for each statement execute function log_delete();
    create trigger batches_log after delete on batches referencing old table as old_rows
      for each statement execute function log_delete();
    create trigger events_log after delete on events referencing old table as old_rows
      for each statement execute function log_delete();
    create trigger deliveries_log after delete on deliveries referencing old table as old_rows
      for each statement execute function log_delete();`);
});
afterAll(async () => {
  await deps?.close();
});

/** A batch created `createdDaysAgo` and (unless active) finished `finishedDaysAgo`, with `items` items. */
async function seedBatch(opts: {
  status: 'completed' | 'failed' | 'cancelled' | 'in_progress';
  createdDaysAgo: number;
  finishedDaysAgo?: number;
  items: number;
}): Promise<number> {
  const finished = opts.finishedDaysAgo === undefined ? null : `${opts.finishedDaysAgo} days`;
  const [b] = await deps.sql<{ id: string }[]>`
    insert into batches (niche_id, niche_name, trigger, requested, status, created_at, started_at, finished_at)
    values (${nicheId}, 'fitness', 'manual', ${opts.items}, ${opts.status},
      now() - ${`${opts.createdDaysAgo} days`}::interval, now() - ${`${opts.createdDaysAgo} days`}::interval,
      now() - ${finished}::interval)
    returning id`;
  const id = Number(b!.id);
  await deps.sql`
    insert into batch_items (batch_id, username, outcome, checked_at)
    select ${id}, 'u' || g, 'no_story', now() from generate_series(1, ${opts.items}) g`;
  return id;
}

async function itemCount(batchId: number): Promise<number> {
  const [r] = await deps.sql<
    { n: number }[]
  >`select count(*)::int as n from batch_items where batch_id = ${batchId}`;
  return r!.n;
}

async function batchExists(batchId: number): Promise<boolean> {
  const rows = await deps.sql`select 1 from batches where id = ${batchId}`;
  return rows.length === 1;
}

describe('never lose #14.17: tables that grow forever are purged by retention, in short chunks', () => {
  it('GIVEN old and recent batches, events and deliveries THEN only finished/sent rows past retention go, at most one chunk per statement', async () => {
    const oldBatch = await seedBatch({
      status: 'completed',
      createdDaysAgo: 41,
      finishedDaysAgo: 40,
      items: 12_000,
    });
    const oldFailed = await seedBatch({
      status: 'failed',
      createdDaysAgo: 35,
      finishedDaysAgo: 35,
      items: 10,
    });
    const recentBatch = await seedBatch({
      status: 'completed',
      createdDaysAgo: 3,
      finishedDaysAgo: 3,
      items: 50,
    });
    // Created long ago and still running: never purged, whatever its age.
    const activeBatch = await seedBatch({ status: 'in_progress', createdDaysAgo: 90, items: 40 });
    await deps.sql`insert into detections (username, niche_id, batch_id, detected_at)
      values ('seen1', ${nicheId}, ${oldBatch}, now())`;

    await deps.sql`insert into events (kind, message, at)
      select 'batch', 'old ' || g, now() - interval '45 days' from generate_series(1, 2500) g`;
    await deps.sql`insert into events (kind, message, at)
      select 'batch', 'recent ' || g, now() - interval '2 days' from generate_series(1, 10) g`;

    await deps.sql`insert into deliveries (dedupe_key, status, created_at, sent_at) values
      ('old-queued', 'queued', now() - interval '60 days', null),
      ('old-sent-1', 'sent', now() - interval '21 days', now() - interval '20 days'),
      ('old-sent-2', 'sent', now() - interval '30 days', now() - interval '30 days'),
      ('old-failed', 'failed', now() - interval '20 days', null),
      ('sent-late', 'sent', now() - interval '30 days', now() - interval '3 days'),
      ('recent-sent', 'sent', now() - interval '2 days', now() - interval '2 days')`;

    const r = await purgeExpired(deps, { chunk: 1_000 });

    expect(r.deleted).toEqual({ batchItems: 12_010, batches: 2, events: 2_500, deliveries: 3 });
    expect(r.chunks.batchItems).toBeGreaterThanOrEqual(12);
    expect(r.chunks.events).toBe(3);
    expect(r.largestChunk).toBe(1_000);
    expect(r.more).toBe(false);

    expect(await batchExists(oldBatch)).toBe(false);
    expect(await itemCount(oldBatch)).toBe(0);
    expect(await batchExists(oldFailed)).toBe(false);
    expect(await batchExists(recentBatch)).toBe(true);
    expect(await itemCount(recentBatch)).toBe(50);
    expect(await batchExists(activeBatch)).toBe(true);
    expect(await itemCount(activeBatch)).toBe(40);
    // The detection stays, its batch reference cleared (ON DELETE SET NULL).
    const detections = await deps.sql`select batch_id from detections where username = 'seen1'`;
    expect([...detections]).toEqual([{ batch_id: null }]);

    const events = await deps.sql<
      { message: string }[]
    >`select message from events where message like 'old %' or message like 'recent %'`;
    expect(events.map((e) => e.message).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `recent ${i + 1}`).sort(),
    );
    const kept = await deps.sql<
      { dedupe_key: string }[]
    >`select dedupe_key from deliveries order by dedupe_key`;
    expect(kept.map((d) => d.dedupe_key)).toEqual(['old-queued', 'recent-sent', 'sent-late']);

    // What each delete statement really removed, cascades included: never more than one chunk.
    const log = await deps.sql<{ tbl: string; statements: number; largest: number; total: number }[]>`
      select tbl, count(*)::int as statements, max(n)::int as largest, sum(n)::int as total
      from stmt_log group by tbl order by tbl`;
    expect([...log]).toEqual([
      { tbl: 'batch_items', statements: 13, largest: 1_000, total: 12_010 },
      { tbl: 'batches', statements: 1, largest: 2, total: 2 },
      { tbl: 'deliveries', statements: 1, largest: 3, total: 3 },
      { tbl: 'events', statements: 3, largest: 1_000, total: 2_500 },
    ]);

    // A second run finds nothing left to do.
    const again = await purgeExpired(deps, { chunk: 1_000 });
    expect(again.deleted).toEqual({ batchItems: 0, batches: 0, events: 0, deliveries: 0 });
  });

  it('GIVEN a backlog larger than maxChunks THEN one call stops at its budget, the batch waits for its items, and the next call finishes', async () => {
    await deps.sql`delete from stmt_log`;
    const big = await seedBatch({
      status: 'cancelled',
      createdDaysAgo: 50,
      finishedDaysAgo: 50,
      items: 3_000,
    });
    const first = await purgeExpired(deps, { chunk: 1_000, maxChunks: 2 });
    expect(first.deleted.batchItems).toBe(2_000);
    expect(first.deleted.batches).toBe(0);
    expect(first.more).toBe(true);
    expect(await batchExists(big)).toBe(true);
    expect(await itemCount(big)).toBe(1_000);

    const second = await purgeExpired(deps, { chunk: 1_000, maxChunks: 2 });
    expect(second.deleted).toMatchObject({ batchItems: 1_000, batches: 1 });
    expect(second.more).toBe(false);
    expect(await batchExists(big)).toBe(false);
    const [largest] = await deps.sql<{ n: number }[]>`select coalesce(max(n), 0)::int as n from stmt_log`;
    expect(largest!.n).toBeLessThanOrEqual(1_000);
  });

  it('GIVEN settings retention events 7 THEN settings show has it and events 10 days old are purged', async () => {
    await deps.sql`insert into events (kind, message, at) values
      ('batch', 'ten days old', now() - interval '10 days'),
      ('batch', 'five days old', now() - interval '5 days')`;
    await purgeExpired(deps, { chunk: 1_000 });
    const messages = async () =>
      (
        await deps.sql<
          { message: string }[]
        >`select message from events where message like '% days old' order by message`
      ).map((e) => e.message);
    expect(await messages()).toEqual(['five days old', 'ten days old']);

    const { text, reply } = await run(deps, 'settings retention events 7');
    expect(text).toBe(
      'Events are now kept 7 days (was 30); older ones are removed at the next purge, within minutes.',
    );
    expect(reply.data).toMatchObject({ kind: 'events', previous: 30, settings: { keepEventsDays: 7 } });
    const shown = await run(deps, 'settings show');
    expect(shown.text).toMatch(/keep batches \(days\)\s+30\s+1-3650/);
    expect(shown.text).toMatch(/keep events \(days\)\s+7\s+1-3650/);
    expect(shown.text).toMatch(/keep deliveries \(days\)\s+14\s+1-3650/);

    const r = await purgeExpired(deps, { chunk: 1_000 });
    expect(r.deleted.events).toBe(1);
    expect(await messages()).toEqual(['five days old']);
  });

  it.each([
    ['settings retention batches 0', 'Error: Days to keep must be from 1 to 3650; got 0.'],
    ['settings retention deliveries 3651', 'Error: Days to keep must be from 1 to 3650; got 3651.'],
    [
      'settings retention events forever',
      'Error: Days to keep must be a whole number from 1 to 3650; got "forever".',
    ],
    [
      'settings retention logs 7',
      'Error: Retention is set for one of batches, events, deliveries; got "logs".',
    ],
  ])('GIVEN %j THEN it is refused with %j and nothing changes', async (line, expected) => {
    const read = () =>
      deps.sql`select keep_batches_days, keep_events_days, keep_deliveries_days from settings`;
    const before = [...(await read())];
    const { text } = await run(deps, line);
    expect(text.startsWith(expected)).toBe(true);
    expect([...(await read())]).toEqual(before);
  });
});

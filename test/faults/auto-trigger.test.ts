import { afterEach, describe, expect, it } from 'vitest';
import { schedulerDeps } from '../../src/app/worker-deps.js';
import { nextAutoRun, type SchedulerHandle, startScheduler } from '../../src/worker/scheduler.js';
import { run } from '../core/command-helpers.js';
import { seedNiche, seedProxy } from '../helpers/batch-fixtures.js';
import { createTestDatabase } from '../helpers/db.js';
import { createTestApp, deleteRedisPrefix, newPrefix, waitFor } from '../worker/support.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function setup() {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const prefix = newPrefix();
  cleanups.push(() => deleteRedisPrefix(prefix));
  const app = createTestApp(db.url, prefix);
  cleanups.push(() => app.close());
  const start = () => {
    // A long "hour" whose moment is now: every retry below happens within the same period.
    const s: SchedulerHandle = startScheduler(schedulerDeps(app), {
      periodMs: 600_000,
      checkEveryMs: 100,
      random: () => 0,
    });
    cleanups.push(() => s.stop());
    return s;
  };
  const batches = () =>
    db.sql<Array<{ niche_name: string }>>`select niche_name from batches where trigger = 'auto' order by id`;
  return { db, app, start, batches, prefix };
}

describe('never lose #14.9: one failing niche or a missing proxy does not cost the hour', () => {
  it('GIVEN the database failing once for the first niche THEN the second still gets its batch and the first gets its batch at the next tick', async () => {
    const s = await setup();
    await seedProxy(s.db.sql);
    const a = await seedNiche(s.db.sql, 'Alpha', 50, { dailyTarget: 100, prefix: 'al_' });
    await seedNiche(s.db.sql, 'Beta', 50, { dailyTarget: 100, prefix: 'be_' });
    // The first insert of Alpha's batch fails as a dropped connection would; later ones succeed.
    await s.db.sql.unsafe(`
      create sequence trip_seq;
      create function trip_once() returns trigger language plpgsql as $$
      begin
        -- A sequence is not rolled back with the failed insert: only the first try fails.
        if new.niche_id = ${a} and nextval('trip_seq') = 1 then
          raise exception 'connection reset (simulated)';
        end if;
        return new;
      end $$;
      create trigger trip_once before insert on batches for each row execute function trip_once();`);
    s.start();
    const rows = await waitFor('two auto batches', async () => {
      const r = await s.batches();
      return r.length >= 2 ? r : undefined;
    });
    expect(rows.map((r) => r.niche_name).sort()).toEqual(['Alpha', 'Beta']);
  });

  it('GIVEN no usable proxy at the hour s moment THEN the niche waits, and gets its batch in the same hour once a proxy is added; stats says when the next run is', async () => {
    const s = await setup();
    await seedNiche(s.db.sql, 'Gamma', 50, { dailyTarget: 100, prefix: 'ga_' });
    s.start();
    await waitFor('skipped once', async () => {
      const [e] = await s.db.sql<
        Array<{ n: number }>
      >`select count(*)::int as n from events where kind = 'auto_trigger'`;
      return (e?.n ?? 0) >= 1;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await s.batches()).toEqual([]);
    const redis = s.app.redis('test');
    console.log(`while waiting: ${await nextAutoRun(redis, s.prefix, new Date(), 600_000)}`);
    await seedProxy(s.db.sql);
    const rows = await waitFor('batch after proxy', async () => {
      const r = await s.batches();
      return r.length > 0 ? r : undefined;
    });
    expect(rows.map((r) => r.niche_name)).toEqual(['Gamma']);
    // Said once, not at every retry.
    const [e] = await s.db.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from events where kind = 'auto_trigger'`;
    expect(e?.n).toBe(1);
    // The batch row is written before the hour is marked fired: wait for the mark, not a moment.
    const said = await waitFor('hour marked fired', async () => {
      const t = await nextAutoRun(redis, s.prefix, new Date(), 600_000);
      return /^next automatic run in the hour from/.test(t) ? t : undefined;
    });
    expect(said).toMatch(/^next automatic run in the hour from \d\d:\d\d UTC/);
    const { createCommandServices } = await import('../../src/app/services.js');
    const built = createCommandServices(s.app);
    cleanups.push(() => built.close());
    const { text } = await run(s.app.core, 'stats', built.services);
    expect(text).toMatch(/Automatic batches: next automatic run (at|in the hour from) \d\d:\d\d UTC/);
  });
});

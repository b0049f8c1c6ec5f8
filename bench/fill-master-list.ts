import { performance } from 'node:perf_hooks';
import type postgres from 'postgres';

/**
 * A master list of `profiles` profiles in `niches` niches, loaded as a bulk load (shared by
 * `bench/select.ts` and `bench/panel-page.ts`).
 */
export async function fillMasterList(sql: postgres.Sql, profiles: number, niches: number): Promise<void> {
  const t0 = performance.now();
  const [first] = await sql<{ id: number }[]>`
    insert into niches (name, position) select 'niche' || g, g from generate_series(1, ${niches}) g
    returning id`;
  const firstId = first?.id ?? 1;
  // A bulk load: the secondary indexes are dropped and rebuilt (the same definitions, read back from
  // the catalog), which is many times faster than maintaining seven btrees row by row.
  const indexes = await sql<{ name: string; def: string }[]>`
    select i.indexname as name, i.indexdef as def from pg_indexes i
    where i.tablename = 'profiles' and i.schemaname = 'public'
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`;
  for (const ix of indexes) await sql.unsafe(`drop index "${ix.name}"`);
  // Usernames are hashes so username order does not follow niche order; 2 % deleted, 30 % never checked.
  // A normal (synchronous) commit: after an asynchronous one, the vacuum below left a third of the pages
  // without their all-visible bit (it could not hint the rows yet), and every page query paid heap
  // visits for them, 25-35 ms instead of 5-6 ms for page 1,000.
  await sql.unsafe(`
    insert into profiles (username, niche_id, status, last_checked_at, last_detected_at, total_checks, total_detected, added_at)
    select 'u' || substr(md5(g::text), 1, 16), ${firstId} + g % ${niches},
      (case when g % 50 = 7 then 'deleted' else 'active' end)::profile_status,
      case when g % 10 < 3 then null else now() - (g % 100000) * interval '1 second' end,
      case when g % 10 = 4 then now() - (g % 5000) * interval '1 minute' end,
      g % 40, g % 5, now()
    from generate_series(1, ${profiles}) g;
  `);
  const loaded = performance.now() - t0;
  await sql.unsafe(`set maintenance_work_mem = '256MB'`);
  for (const ix of indexes) await sql.unsafe(ix.def);
  const indexed = performance.now() - t0 - loaded;
  await sql`vacuum analyze profiles`;
  await sql`vacuum analyze niches`;
  console.log(
    `Filled ${profiles.toLocaleString('en')} profiles in ${niches} niches: insert ${(loaded / 1000).toFixed(1)} s, ${indexes.length} indexes rebuilt ${(indexed / 1000).toFixed(1)} s, vacuum analyze ${((performance.now() - t0 - loaded - indexed) / 1000).toFixed(1)} s.`,
  );
}

/**
 * `npm run bench:select`: 1,000,000 profiles in 50 niches (its own database, dropped at the end), then
 *   (a) picking the next 500 profiles of one niche to check: the batch engine's own statement
 *       (`insert into batch_items ... select ... limit 500`, policy `oldest`), run in a rolled-back
 *       transaction so every run sees the same data;
 *   (b) page 1,000 of the master list by username (the `profiles list all page 1000` query), and the
 *       whole `listProfiles` call (the page plus the count behind "page N of M").
 * Prints each plan (EXPLAIN ANALYZE, BUFFERS) and the median of several warm runs. Target: < 20 ms each.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { ensureDatabase, migrateDatabase } from '../src/core/db/migrate.js';
import { listProfiles, PROFILE_PAGE_SIZE, profilePageQuery } from '../src/core/profiles/list-profiles.js';
import { fillMasterList } from './fill-master-list.js';

const PROFILES = 1_000_000;
const NICHES = 50;
const BATCH_SIZE = 500;
const PAGE = 1000;
const RUNS = 25;
const TARGET_MS = 20;
const SERVER = 'postgres://postgres@127.0.0.1:5432';

const dbName = `storywatch_bench_select_${randomBytes(4).toString('hex')}`;
const url = `${SERVER}/${dbName}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function timeRuns(fn: () => Promise<unknown>): Promise<{ median: number; min: number; max: number }> {
  for (let i = 0; i < 3; i++) await fn(); // warm the cache and the prepared statements
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
}

async function explain(
  sql: postgres.Sql | postgres.TransactionSql,
  text: string,
  params: unknown[],
): Promise<string> {
  const rows = await sql.unsafe<{ 'QUERY PLAN': string }[]>(
    `explain (analyze, buffers) ${text}`,
    params as never[],
  );
  return rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n');
}

/** Runs `fn` in a transaction that is always rolled back, so writes leave no trace between runs. */
async function inRollback<T>(sql: postgres.Sql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await sql
    .begin(async (tx) => {
      result = await fn(tx);
      throw new RollbackSignal();
    })
    .catch((err) => {
      if (!(err instanceof RollbackSignal)) throw err;
    });
  return result as T;
}
class RollbackSignal extends Error {}

function verdict(label: string, t: { median: number; min: number; max: number }): boolean {
  const ok = t.median < TARGET_MS;
  console.log(
    `${label}: median ${t.median.toFixed(2)} ms (min ${t.min.toFixed(2)}, max ${t.max.toFixed(2)}, ${RUNS} runs) ${ok ? 'OK' : 'OVER'} (target < ${TARGET_MS} ms)`,
  );
  return ok;
}

async function main(): Promise<void> {
  // Timings on a shared machine mean little without its load, so it is printed with them.
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
  console.log(`${cpus().length} CPUs, load average ${load()}`);
  await ensureDatabase(url);
  let ok = true;
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    await migrateDatabase(url);
    await fillMasterList(sql, PROFILES, NICHES);
    const [niche] = await sql<
      { id: number; name: string }[]
    >`select id, name from niches where position = 17`;
    if (!niche) throw new Error('bench niche missing');
    const [batch] = await sql<{ id: string }[]>`
      insert into batches (niche_id, niche_name, trigger, requested, status)
      values (${niche.id}, ${niche.name}, 'manual', ${BATCH_SIZE}, 'completed') returning id`;
    const batchId = Number(batch?.id);

    // (a) The statement from src/core/batches/select-profiles.ts (policy `oldest`), verbatim.
    const pickText = `
      insert into batch_items (batch_id, username)
      select $1, username from profiles
      where niche_id = $2 and status = 'active'
      order by last_checked_at asc nulls first, username
      limit $3
      returning username`;
    const pickParams = [batchId, niche.id, BATCH_SIZE];
    console.log(`\n(a) Next ${BATCH_SIZE} profiles of "${niche.name}" to check (policy oldest), plan:`);
    console.log(await inRollback(sql, (tx) => explain(tx, pickText, pickParams)));
    const picked = await inRollback(sql, (tx) => tx.unsafe(pickText, pickParams as never[]));
    console.log(`    -> ${picked.length} profiles chosen`);
    ok =
      verdict(
        `(a) pick the next ${BATCH_SIZE} and write them as batch items (the engine's whole statement)`,
        await timeRuns(() => inRollback(sql, (tx) => tx.unsafe(pickText, pickParams as never[]))),
      ) && ok;
    // The choosing alone, without writing 500 batch_items rows and their foreign-key checks.
    const selectText = `
      select username from profiles
      where niche_id = $1 and status = 'active'
      order by last_checked_at asc nulls first, username
      limit $2`;
    verdict(
      `    of which choosing the ${BATCH_SIZE} (the select alone)`,
      await timeRuns(() => sql.unsafe(selectText, [niche.id, BATCH_SIZE])),
    );

    // (b) Page 1,000 of the master list by username, as `profiles list all [status] page 1000` runs it.
    const offset = (PAGE - 1) * PROFILE_PAGE_SIZE;
    for (const status of ['active', 'all'] as const) {
      const q = profilePageQuery({ clause: 'true', params: [] }, status, 'username');
      const params = q.params(PROFILE_PAGE_SIZE, offset);
      console.log(`\n(b) Master list page ${PAGE} by username, status ${status}, plan:`);
      console.log(await explain(sql, q.text, params));
      ok =
        verdict(
          `(b) page ${PAGE}, ${status}, page query`,
          await timeRuns(() => sql.unsafe(q.text, params as never[])),
        ) && ok;
      const page = await listProfiles({ sql }, { scope: 'all', status, page: PAGE });
      console.log(
        `    listProfiles: page ${page.page} of ${page.pages}, ${page.total.toLocaleString('en')} profiles, first ${page.profiles[0]?.username}`,
      );
      verdict(
        `    listProfiles (count + page), ${status}`,
        await timeRuns(() => listProfiles({ sql }, { scope: 'all', status, page: PAGE })),
      );
    }

    // For scale: a niche's own pages in every sort (20,000 profiles per niche, so 400 pages).
    console.log(`\nFor reference: "${niche.name}" page 300 of its active profiles, whole listProfiles call:`);
    for (const sort of ['username', 'checked', 'detected', 'count'] as const) {
      verdict(
        `    sort ${sort}`,
        await timeRuns(() => listProfiles({ sql }, { scope: niche.name, status: 'active', sort, page: 300 })),
      );
    }
    const allQ = profilePageQuery({ clause: 'niche_id = $1', params: [niche.id] }, 'all', 'checked');
    console.log(`\nNiche page 300, status all, sort checked (UNION ALL merged from two index scans), plan:`);
    console.log(await explain(sql, allQ.text, allQ.params(PROFILE_PAGE_SIZE, 299 * PROFILE_PAGE_SIZE)));
  } finally {
    await sql.end({ timeout: 5 });
    const admin = postgres(`${SERVER}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end({ timeout: 5 });
    console.log(`\nDropped ${dbName}. Load average now ${load()}.`);
  }
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

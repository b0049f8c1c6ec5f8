/**
 * bench:import — the real importUsernames on a generated 100,000-line file, into an empty master list
 * and into one holding 1,000,000 profiles, next to a plain COPY of the same new rows in the same run.
 * Target: >= 100,000 usernames/s and within 3x of COPY. Uses its own database, dropped at the end.
 *
 * BENCH_SCHEMA=lean runs the same import against the table cut down to what the issue itself names
 * (primary key and the next-to-check index; no foreign key, username check or count trigger), to show
 * what the schema costs and what the import statement costs on its own (ADR 0003).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { connectDatabase } from '../src/core/db/client.js';
import { ensureDatabase, migrateDatabase } from '../src/core/db/migrate.js';
import type { CoreDeps } from '../src/core/deps.js';
import { decodeText } from '../src/core/import/decode-text.js';
import { importUsernames } from '../src/core/import/import-usernames.js';
import { parseUsernames } from '../src/core/import/parse-usernames.js';
import { createLogger } from '../src/core/logger.js';
import { createNiche } from '../src/core/niches.js';

const LINES = 100_000;
const LEAN = process.env.BENCH_SCHEMA === 'lean';
const PREFILL = 1_000_000;
const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/storywatch';
const dbName = `storywatch_bench_import_${randomBytes(4).toString('hex')}`;
const url = (() => {
  const u = new URL(base);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const prefillName = (i: number) => `p${String(i).padStart(7, '0')}`;

/** ~88% fresh names in several spellings, ~5% repeats, ~5% junk, ~2% names the prefilled list holds. */
function generateFile(): { bytes: Buffer } {
  const lines: string[] = [];
  const fresh: string[] = [];
  const spell = (n: string, i: number) =>
    i % 10 === 0
      ? `@${n}`
      : i % 10 === 1
        ? `https://www.instagram.com/${n}/?hl=en`
        : i % 10 === 2
          ? n.toUpperCase()
          : n;
  for (let i = 0; i < LINES; i++) {
    const r = i % 100;
    if (r < 5 && fresh.length > 0) lines.push(fresh[(i * 7919) % fresh.length] ?? 'x');
    else if (r < 10) lines.push(i % 2 === 0 ? `bad-name-${i}` : `.dot${i}.`);
    else if (r < 12) lines.push(prefillName((i * 104_729) % PREFILL));
    else {
      const n = `u${i.toString(36)}_${randomBytes(3).toString('hex')}`;
      fresh.push(n);
      lines.push(spell(n, i));
    }
  }
  return { bytes: Buffer.from(`${lines.join('\r\n')}\r\n`) };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

async function copyRows(sql: postgres.Sql, names: readonly string[], nicheId: number): Promise<number> {
  return copyInto(sql, 'profiles', names, nicheId);
}

async function copyInto(
  sql: postgres.Sql,
  table: string,
  names: readonly string[],
  nicheId: number,
): Promise<number> {
  const { ms } = await timed(async () => {
    const writable = await sql.unsafe(`copy ${table} (username, niche_id) from stdin`).writable();
    const body = `${names.map((n) => `${n}\t${nicheId}`).join('\n')}\n`;
    await pipeline(Readable.from([body]), writable);
  });
  return ms;
}

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
}

/** Drops everything on profiles that the issue does not name; the real code still runs unchanged. */
async function leanSchema(): Promise<void> {
  const s = postgres(url, { max: 1, onnotice: () => {} });
  await s.unsafe(`drop index profiles_niche_username_idx, profiles_niche_checked_idx,
                    profiles_niche_detected_idx, profiles_niche_count_idx, profiles_status_username_idx;
                  alter table profiles drop constraint profiles_niche_id_niches_id_fk,
                    drop constraint profiles_username_format;
                  drop trigger profiles_count_insert on profiles;`);
  const left = await s<
    { indexname: string }[]
  >`select indexname from pg_indexes where tablename = 'profiles'`;
  console.log(`BENCH_SCHEMA=lean: profiles keeps only ${left.map((r) => r.indexname).join(', ')}`);
  await s.end();
}

async function main(): Promise<void> {
  await ensureDatabase(url);
  await migrateDatabase(url);
  if (LEAN) await leanSchema();
  const database = connectDatabase(url);
  const deps: CoreDeps = {
    db: database.db,
    sql: database.sql,
    log: createLogger({ level: 'warn' }),
    clock: { now: () => new Date() },
  };
  const sql = database.sql;
  const results: string[] = [];
  try {
    const niche = await createNiche(deps, 'bench');
    const other = await createNiche(deps, 'older');
    const { bytes } = generateFile();
    // COPY gets the rows already parsed (it cannot parse names); the import's time includes parsing.
    const unique = parseUsernames(decodeText(bytes).text).usernames;
    console.log(
      `file: ${LINES.toLocaleString('en-US')} lines, ${(bytes.length / 1e6).toFixed(1)} MB, ${unique.length} distinct valid names`,
    );

    const scenario = async (label: string, prefilled: boolean) => {
      await sql`truncate profiles cascade`;
      if (prefilled) {
        const fill = await timed(
          () => sql`insert into profiles (username, niche_id)
                    select 'p' || lpad(i::text, 7, '0'), case when i % 3 = 0 then null else ${other.id}::int end
                    from generate_series(0, ${PREFILL - 1}) i`,
        );
        await sql`vacuum analyze profiles`;
        console.log(
          `${label}: prefilled ${PREFILL.toLocaleString('en-US')} profiles in ${Math.round(fill.ms)} ms`,
        );
      }
      // COPY first, of exactly the rows the import adds (in file order), then they go again so the
      // import starts from the same state.
      const fresh = prefilled ? unique.filter((n) => !/^p\d{7}$/.test(n)) : unique;
      const copyMs = await copyRows(sql, fresh, niche.id);
      await sql`delete from profiles where niche_id = ${niche.id}`;
      await sql`vacuum analyze profiles`;
      const imp = await timed(() =>
        importUsernames(deps, { niche: 'bench', sources: [{ label: 'file bench.txt', bytes }] }),
      );
      const r = imp.value;
      const ratio = imp.ms / copyMs;
      const line =
        `${label}: import ${Math.round(imp.ms)} ms = ${rate(LINES, imp.ms)} usernames (added ${r.added}, ` +
        `present ${r.alreadyPresent}, repeated ${r.repeated}, malformed ${r.malformed}); ` +
        `COPY of the ${fresh.length} new rows ${Math.round(copyMs)} ms = ${rate(fresh.length, copyMs)}; ` +
        `import/COPY time ratio ${ratio.toFixed(2)}x`;
      console.log(line);
      results.push(
        `${label}: ${rate(LINES, imp.ms)} ${LINES / (imp.ms / 1000) >= 100_000 ? 'OK' : 'BELOW'} 100,000/s; ` +
          `${ratio.toFixed(2)}x COPY ${ratio <= 3 ? 'OK' : 'OVER'} 3x`,
      );
    };

    await scenario('empty master list', false);
    await scenario(`master list of ${PREFILL.toLocaleString('en-US')}`, true);

    // What this machine can do at all: the same COPY into a bare copy of the table (primary key only,
    // no other index, no check, no foreign key, no trigger), and how each piece of the real table adds.
    const fresh = unique;
    const floor = async (label: string, extra: string) => {
      await sql.unsafe('drop table if exists profiles_floor');
      await sql.unsafe(
        `create table profiles_floor (like profiles including defaults, primary key (username)); ${extra}`,
      );
      const ms = await copyInto(sql, 'profiles_floor', fresh, niche.id);
      // In the import's unit: lines of the file per second, as if parsing were free.
      console.log(
        `  ${label}: ${Math.round(ms)} ms = ${rate(fresh.length, ms)} rows, ` +
          `${rate(LINES, ms)} file lines if parsing and the import's own work were free`,
      );
      return ms;
    };
    console.log(`\nceiling on this machine: COPY of the ${fresh.length} rows of the empty-list case into`);
    const bare = await floor('a bare table with its primary key only (serves paging the master list)', '');
    const withNext = await floor(
      'the same plus the next-to-check index (niche, last checked) the issue names',
      `create index on profiles_floor (niche_id, last_checked_at nulls first, username) where status = 'active'`,
    );
    await floor(
      'the same plus (niche, status, username) for paging one niche',
      `create index on profiles_floor (niche_id, last_checked_at nulls first, username) where status = 'active';
       create index on profiles_floor (niche_id, status, username);`,
    );
    await sql.unsafe('drop table profiles_floor');
    results.push(
      `ceiling: COPY into a primary-key-only table ${rate(LINES, bare)} file lines; plus the next-to-check ` +
        `index ${rate(LINES, withNext)}; ${LEAN ? 'the lean table' : 'the real table (7 indexes, check, foreign key, count trigger)'} is the COPY above`,
    );
    console.log(`\n${results.join('\n')}`);
  } finally {
    await database.close();
    const adminUrl = new URL(base);
    adminUrl.pathname = '/postgres';
    const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end({ timeout: 5 });
  }
}

await main();

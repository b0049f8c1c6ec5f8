/**
 * `npx tsx bench/panel-page.ts`: the web panel's profile table on 1,000,000 profiles in 50 niches (its
 * own database, dropped at the end). Times whole GET requests to the real panel on 127.0.0.1 (session
 * check, `niche list`, `profiles list` through dispatch, HTML rendering), so each time is an upper bound
 * of the server's rendering. Target (issue 17): page 1,000 of the master list in under 50 ms.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { Registry } from 'prom-client';
import { connectDatabase } from '../src/core/db/client.js';
import { ensureDatabase, migrateDatabase } from '../src/core/db/migrate.js';
import { systemClock } from '../src/core/deps.js';
import { createLogger } from '../src/core/logger.js';
import { createSession } from '../src/core/panel/index.js';
import { startHttpServer } from '../src/http/server.js';
import { panelRoute } from '../src/web/index.js';
import { fillMasterList } from './fill-master-list.js';

const RUNS = 25;
const TARGET_MS = 50;
const SERVER = 'postgres://postgres@127.0.0.1:5432';
const dbName = `storywatch_bench_panel_${randomBytes(4).toString('hex')}`;
const url = `${SERVER}/${dbName}`;

async function timeGet(address: string, cookie: string, expect: string): Promise<number[]> {
  const get = async () => {
    const res = await fetch(address, { headers: { cookie } });
    const text = await res.text();
    if (res.status !== 200 || !text.includes(expect))
      throw new Error(`${address}: ${res.status}, no "${expect}"`);
  };
  for (let i = 0; i < 3; i++) await get(); // warm caches and prepared statements
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await get();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  console.log(
    `${cpus().length} CPUs, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  await ensureDatabase(url);
  await migrateDatabase(url);
  const filler = postgres(url, { max: 2, onnotice: () => {} });
  await fillMasterList(filler, 1_000_000, 50);
  await filler.end({ timeout: 5 });
  const database = connectDatabase(url);
  const core = {
    db: database.db,
    sql: database.sql,
    log: createLogger({ level: 'silent' }),
    clock: systemClock,
  };
  const http = await startHttpServer({
    port: 0,
    log: core.log,
    health: () => [],
    metrics: new Registry(),
    routes: () => [panelRoute({ core, services: {}, secureCookies: false })],
  });
  let ok = true;
  try {
    const { id } = await createSession(core, { userId: 'bench', platform: 'console' });
    const cookie = `sw_panel=${id}`;
    const base = `http://127.0.0.1:${http.port}/panel/niches`;
    const cases: Array<[string, string, string]> = [
      ['master list (all), page 1,000 by username', `${base}?niche=all&page=1000`, 'page 1000 of'],
      ['master list (all), status all, page 1,000', `${base}?niche=all&status=all&page=1000`, 'page 1000 of'],
      ['niche17, page 300 by last checked', `${base}?niche=niche17&sort=checked&page=300`, 'page 300 of'],
    ];
    for (const [label, address, expect] of cases) {
      const t = await timeGet(address, cookie, expect);
      const median = t[Math.floor(t.length / 2)] ?? 0;
      const pass = median < TARGET_MS;
      ok &&= pass;
      console.log(
        `${label}: median ${median.toFixed(1)} ms (min ${t[0]?.toFixed(1)}, max ${t.at(-1)?.toFixed(1)}, ${RUNS} requests) ${pass ? 'OK' : 'OVER'} (target < ${TARGET_MS} ms)`,
      );
    }
  } finally {
    await http.stop();
    await database.close();
    const admin = postgres(`${SERVER}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end({ timeout: 5 });
  }
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

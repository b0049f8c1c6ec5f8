/**
 * `npm run bench:checker`: 2,000 profiles through 4 local CONNECT proxies against the fake Instagram
 * answering after 100 ms, no rate limits, per-proxy budget raised. The fake and the proxies run in a
 * child process so the CPU time measured here is the checker's alone.
 *
 * Ideal throughput is concurrency / latency (each profile costs one request: ids are cached, as they
 * are after a profile's first check). Targets: at least 0.9 of ideal, under 1 ms CPU per check.
 * Then a session is added and 1,000 cached profiles are checked through the best logged-in route: the
 * requests per profile are printed (target at most 0.025: 50 ids a request, plus any verification).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createStoryChecker } from '../src/checker/index.js';
import type { CheckTarget } from '../src/checker/types.js';
import { connectDatabase } from '../src/core/db/client.js';
import { ensureDatabase, migrateDatabase } from '../src/core/db/migrate.js';
import { proxies } from '../src/core/db/schema/index.js';
import { createLogger } from '../src/core/logger.js';
import { addProxies } from '../src/core/proxies/index.js';
import { addSession } from '../src/core/sessions/index.js';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const LATENCY_MS = 100;
const PROXIES = 4;
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

interface WorldStats {
  requestsByIp: Record<string, number>;
  maxConcurrent: number;
  tunnels: number[];
}

async function startWorld(): Promise<{
  child: ChildProcess;
  url: string;
  proxyLines: string[];
  stats(): Promise<WorldStats>;
}> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/fakes/fake-instagram.ts',
      '--port',
      '0',
      '--users',
      String(PROFILES),
      '--latency',
      String(LATENCY_MS),
      '--proxies',
      String(PROXIES),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const proxyLines: string[] = [];
  let onStats: ((s: WorldStats) => void) | undefined;
  lines.on('line', (line) => {
    const m = /^stats (.+)$/.exec(line);
    if (m?.[1]) onStats?.(JSON.parse(m[1]) as WorldStats);
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake exited with ${code}`)));
    lines.on('line', (line) => {
      const p = /^proxy (\S+)/.exec(line);
      if (p?.[1]) proxyLines.push(p[1]);
      const u = /^INSTAGRAM_WEB_URL=(\S+)/.exec(line);
      if (u?.[1]) resolve(u[1]);
    });
  });
  const stats = () =>
    new Promise<WorldStats>((resolve) => {
      onStats = resolve;
      child.kill('SIGUSR2');
    });
  return { child, url, proxyLines, stats };
}

async function main(): Promise<void> {
  const dbName = `storywatch_bench_checker_${randomBytes(3).toString('hex')}`;
  const dbUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
  await ensureDatabase(dbUrl);
  await migrateDatabase(dbUrl);
  const database = connectDatabase(dbUrl);
  const log = createLogger({ level: 'warn' });
  const core = {
    db: database.db,
    sql: database.sql,
    log,
    clock: { now: () => new Date() },
    credentialsKey: randomBytes(32),
  };
  // As the worker connects for its checker (see worker-role.ts): commands of one tick share a write.
  const redis = new Redis('redis://127.0.0.1:6379', { enableAutoPipelining: true });
  const prefix = `sw-bench-${randomUUID().slice(0, 8)}`;
  const world = await startWorld();
  try {
    await addProxies(core, world.proxyLines.join('\n'));
    const checker = await createStoryChecker({
      core,
      redis,
      options: {
        instagramUrl: world.url,
        allowDirect: false,
        requestsPerMinute: 1_000_000,
        timeoutMs: 10_000,
        keyPrefix: `${prefix}:checker`,
      },
    });
    const targets: CheckTarget[] = Array.from({ length: PROFILES }, (_, i) => ({
      username: `user${i}`,
      igUserId: String(1000 + i),
    }));
    const run = async (list: CheckTarget[]) => {
      const queue = [...list];
      const outcomes: Record<string, number> = {};
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let t = queue.shift(); t; t = queue.shift()) {
            const [r] = await checker.check([t]);
            if (r) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
          }
        }),
      );
      return outcomes;
    };
    // Warm-up: open the tunnels and JIT the hot paths.
    await run(targets.slice(0, CONCURRENCY * 2));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const outcomes = await run(targets);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    // With a session: 1,000 cached profiles in groups of what the best route carries (query_hash: 50).
    const before = await world.stats();
    await addSession(core, 'sessionid=fake-session; csrftoken=fake-csrf; ds_user_id=4242424242');
    await checker.refresh();
    const group = await checker.preferredGroupSize();
    const sessionTargets = targets.slice(0, 1_000);
    const groups: CheckTarget[][] = [];
    for (let i = 0; i < sessionTargets.length; i += group) groups.push(sessionTargets.slice(i, i + group));
    const sessionOutcomes: Record<string, number> = {};
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let g = groups.shift(); g; g = groups.shift())
          for (const r of await checker.check(g))
            sessionOutcomes[r.outcome] = (sessionOutcomes[r.outcome] ?? 0) + 1;
      }),
    );
    const after = await world.stats();
    const sent = (s: WorldStats) => Object.values(s.requestsByIp).reduce((a, b) => a + b, 0);
    const sessionRequests = sent(after) - sent(before);
    await checker.close();
    const rate = PROFILES / seconds;
    const ideal = CONCURRENCY / (LATENCY_MS / 1000);
    const cpuMsPerCheck = (cpu.user + cpu.system) / 1000 / PROFILES;
    const rows = await database.db
      .select({ id: proxies.id, successes: proxies.successes, lat: proxies.recentLatenciesMs })
      .from(proxies);
    console.log(
      `profiles: ${PROFILES}, proxies: ${PROXIES}, concurrency: ${CONCURRENCY}, fake latency: ${LATENCY_MS} ms`,
    );
    console.log(`outcomes: ${JSON.stringify(outcomes)}`);
    console.log(
      `requests per proxy (successes, incl. warm-up): ${rows.map((r) => `#${r.id} ${r.successes}`).join(', ')}`,
    );
    const fakeStats = await world.stats();
    console.log(
      `fake saw (incl. warm-up): requests per client IP ${JSON.stringify(fakeStats.requestsByIp)}, at most ${fakeStats.maxConcurrent} at once, tunnels opened per proxy ${fakeStats.tunnels.join(', ')}`,
    );
    const lat = rows.flatMap((r) => r.lat).sort((a, b) => a - b);
    console.log(
      `request latency through the proxies (last ${lat.length}): median ${lat[Math.floor(lat.length / 2)]} ms`,
    );
    console.log(`elapsed: ${seconds.toFixed(2)} s`);
    console.log(
      `throughput: ${rate.toFixed(1)} profiles/s; ideal ${ideal.toFixed(1)}/s; ratio ${(rate / ideal).toFixed(3)} (target >= 0.9)`,
    );
    console.log(
      `CPU per check: ${cpuMsPerCheck.toFixed(3)} ms (user ${(cpu.user / 1000).toFixed(0)} ms + system ${(cpu.system / 1000).toFixed(0)} ms; target < 1 ms)`,
    );
    console.log(
      `with a session: ${sessionTargets.length} profiles in groups of ${group}, outcomes ${JSON.stringify(sessionOutcomes)}, ${sessionRequests} requests = ${(sessionRequests / sessionTargets.length).toFixed(4)} requests per profile (target <= 0.025)`,
    );
  } finally {
    world.child.kill('SIGTERM');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await database.close();
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end({ timeout: 5 });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

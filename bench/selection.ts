/**
 * `npm run bench:selection`: oldest-first vs yield selection on a simulated niche, through the real
 * engine code (createBatch with each policy, recordCheckResult) on a real Postgres database.
 *
 * 2,000 profiles; each posts stories at its own hourly probability (most rarely, a few often; a story
 * lives 24 h). Every simulated hour for 48 hours each policy gets the same budget of checks; a check
 * finds whatever stories are live. Prints new stories found per 100 checks (a story counted once, the
 * first time it is seen) and checks that saw any live story, per policy, on the same random world.
 */
import { randomBytes } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createBatch, finishBatch, recordCheckResult, startBatch } from '../src/core/batches/index.js';
import type { SelectionPolicy } from '../src/core/batches/types.js';
import { ensureDatabase, migrateDatabase } from '../src/core/db/migrate.js';
import * as schema from '../src/core/db/schema/index.js';
import type { CoreDeps } from '../src/core/deps.js';
import { createLogger } from '../src/core/logger.js';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 2_000);
const HOURS = 48;
const BUDGET = Number(process.env.BENCH_BUDGET ?? 100);
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const START = Date.UTC(2026, 0, 1);

/** Small deterministic PRNG so both policies face the same world. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per profile, the hours (0..HOURS) at which it posts a story. */
function world(): number[][] {
  const r = rng(42);
  const posts: number[][] = [];
  for (let i = 0; i < PROFILES; i++) {
    const u = r();
    // 70% nearly silent, 20% a story every couple of days, 10% several a day.
    const perHour = u < 0.7 ? 0.002 : u < 0.9 ? 0.02 : 0.12;
    const hours: number[] = [];
    for (let h = -24; h < HOURS; h++) if (r() < perHour) hours.push(h);
    posts.push(hours);
  }
  return posts;
}

async function simulate(policy: SelectionPolicy, posts: number[][]) {
  const name = `sw_bench_sel_${randomBytes(4).toString('hex')}`;
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  await ensureDatabase(url);
  await migrateDatabase(url);
  const sql = postgres(url, { max: 10, onnotice: () => {} });
  const dz = postgres(url, { max: 5, onnotice: () => {} });
  let now = new Date(START);
  const deps: CoreDeps = {
    db: drizzle(dz, { schema }),
    sql,
    log: createLogger({ level: 'warn' }),
    clock: { now: () => new Date(now) },
  };
  try {
    const [n] = await sql<
      Array<{ id: number }>
    >`insert into niches (name, position) values ('sim', 1) returning id`;
    await sql`insert into profiles (username, niche_id)
              select 'p' || lpad(g::text, 5, '0'), ${n!.id} from generate_series(0, ${PROFILES - 1}) g`;
    const seen = new Set<string>();
    let checks = 0;
    let withStory = 0;
    for (let h = 0; h < HOURS; h++) {
      now = new Date(START + h * 3600_000 + 5 * 60_000);
      const batch = await createBatch(deps, {
        niche: 'sim',
        count: BUDGET,
        trigger: 'auto',
        policy,
        allowDirect: true,
      });
      await startBatch(deps, batch.id);
      const items = await sql<
        Array<{ username: string }>
      >`select username from batch_items where batch_id = ${batch.id}`;
      for (const { username } of items) {
        const i = Number(username.slice(1));
        const live = posts[i]!.filter((p) => p <= h && p > h - 24);
        checks++;
        if (live.length > 0) withStory++;
        for (const p of live) seen.add(`${i}@${p}`);
        await recordCheckResult(deps, batch.id, {
          username,
          outcome: live.length > 0 ? 'story' : 'no_story',
          attempts: 1,
          story:
            live.length > 0
              ? { takenAt: new Date(START + Math.max(...live) * 3600_000), expiresAt: null }
              : undefined,
        });
      }
      await finishBatch(deps, batch.id);
    }
    return { checks, newStories: seen.size, withStory };
  } finally {
    await sql.end();
    await dz.end();
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

const posts = world();
const live = posts.reduce((a, p) => a + p.filter((h) => h >= -23 && h < HOURS).length, 0);
console.log(
  `${PROFILES} profiles, ${HOURS} simulated hours, ${BUDGET} checks per hour; ${live} stories live at some point`,
);
const results: Record<string, { checks: number; newStories: number; withStory: number }> = {};
for (const policy of ['oldest', 'yield'] as const) {
  const r = await simulate(policy, posts);
  results[policy] = r;
  console.log(
    `${policy.padEnd(6)}: ${r.checks} checks, ${r.newStories} distinct stories found = ` +
      `${((100 * r.newStories) / r.checks).toFixed(2)} per 100 checks; checks that saw a live story: ` +
      `${((100 * r.withStory) / r.checks).toFixed(2)} per 100`,
  );
}
const gain = results.yield!.newStories / Math.max(1, results.oldest!.newStories);
console.log(`yield finds ${gain.toFixed(2)}x the stories of oldest-first at the same budget`);
process.exit(0);

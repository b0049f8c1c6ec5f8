import { recordCheckResults } from '../../src/core/batches/index.js';
import type { Sql } from '../../src/core/db/client.js';
import type { CoreDeps } from '../../src/core/deps.js';

let position = 0;

/** A niche with `profiles` active profiles named `${prefix}0000`, `${prefix}0001`, ... */
export async function seedNiche(
  sql: Sql,
  name: string,
  profiles: number,
  options: { dailyTarget?: number; prefix?: string } = {},
): Promise<number> {
  const [row] = await sql<Array<{ id: number }>>`
    insert into niches (name, position, daily_target)
    values (${name}, ${++position}, ${options.dailyTarget ?? 0}) returning id`;
  const id = row!.id;
  const prefix = options.prefix ?? `${name.toLowerCase().replace(/[^a-z0-9]/g, '')}_`;
  if (profiles > 0) {
    await sql`
      insert into profiles (username, niche_id)
      select ${prefix} || lpad(g::text, 5, '0'), ${id} from generate_series(0, ${profiles - 1}) g`;
  }
  return id;
}

export async function seedProxy(sql: Sql, port = 3128, host = '127.0.0.1'): Promise<number> {
  const [row] = await sql<Array<{ id: number }>>`
    insert into proxies (host, port, health) values (${host}, ${port}, 'ok') returning id`;
  return row!.id;
}

export async function setSettings(
  sql: Sql,
  s: { threads?: number; profilesPerMinute?: number },
): Promise<void> {
  await sql`insert into settings (id) values (1) on conflict do nothing`;
  if (s.threads !== undefined) await sql`update settings set threads = ${s.threads} where id = 1`;
  if (s.profilesPerMinute !== undefined) {
    await sql`update settings set profiles_per_minute = ${s.profilesPerMinute} where id = 1`;
  }
}

/**
 * Records a not_found answer through `proxyId` the way a batch does (recordCheckResults, in a batch
 * of its own), and returns the profile's strikes afterwards.
 */
export async function recordNotFound(
  deps: Pick<CoreDeps, 'sql' | 'clock'>,
  username: string,
  proxyId: number | null,
): Promise<{ strikes: number; deleted: boolean } | null> {
  const [b] = await deps.sql<Array<{ id: number }>>`
    insert into batches (niche_name, trigger, requested, status, started_at)
    values ('strikes', 'manual', 1, 'in_progress', now()) returning id`;
  await deps.sql`insert into batch_items (batch_id, username) values (${b!.id}, ${username}) on conflict do nothing`;
  await recordCheckResults(deps, b!.id, [{ username, outcome: 'not_found', proxyId, attempts: 1 }]);
  const [p] = await deps.sql<Array<{ strikes: number; deleted: boolean }>>`
    select not_found_strikes as strikes, status = 'deleted' as deleted from profiles where username = ${username}`;
  return p ?? null;
}

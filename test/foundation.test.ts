import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDatabase, migrateDatabase } from '../src/core/db/migrate.js';
import { batches, niches } from '../src/core/db/schema/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

describe('database foundation', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('GIVEN a second pending batch for the same niche THEN the database itself refuses it', async () => {
    const [niche] = await t.db.insert(niches).values({ name: 'fitness', position: 1 }).returning();
    await t.db
      .insert(batches)
      .values({ nicheId: niche!.id, nicheName: 'fitness', trigger: 'manual', requested: 5 });
    await expect(
      t.db
        .insert(batches)
        .values({ nicheId: niche!.id, nicheName: 'fitness', trigger: 'auto', requested: 5 }),
    ).rejects.toMatchObject({ cause: { code: '23505' } });
    // A finished batch does not block a new one.
    await t.sql`update batches set status = 'completed'`;
    await t.db
      .insert(batches)
      .values({ nicheId: niche!.id, nicheName: 'fitness', trigger: 'auto', requested: 5 });
    const rows = await t.db.select().from(batches);
    expect(rows).toHaveLength(2);
  });

  it('GIVEN a niche name that differs only in case THEN it is refused as a duplicate', async () => {
    await t.db.insert(niches).values({ name: 'Travel', position: 2 });
    await expect(t.db.insert(niches).values({ name: 'TRAVEL', position: 3 })).rejects.toMatchObject({
      cause: { code: '23505' },
    });
  });

  it('GIVEN two processes starting at once on a missing database THEN both succeed and migrations apply once', async () => {
    const name = `sw_t_race_${randomBytes(4).toString('hex')}`;
    const url = `postgres://postgres@127.0.0.1:5432/${name}`;
    const start = async () => {
      await ensureDatabase(url);
      await migrateDatabase(url);
    };
    await Promise.all([start(), start(), start()]);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const applied = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
      const files = (await import('node:fs')).readdirSync('drizzle').filter((f) => f.endsWith('.sql'));
      expect(applied[0]!.n).toBe(files.length);
      const settingsRows = await sql`select threads, profiles_per_minute from settings`;
      expect(settingsRows).toEqual([{ threads: 3, profiles_per_minute: 60 }]);
    } finally {
      await sql.end();
      const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});

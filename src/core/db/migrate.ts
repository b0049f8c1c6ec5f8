import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/** Any fixed 64-bit number; two processes starting together queue on it instead of racing the DDL. */
const MIGRATION_LOCK_KEY = 7_305_118_204_551n;

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database (add /storywatch to the URL)');
  return name;
}

function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

/** Creates the database named in the URL if the server does not have it yet. */
export async function ensureDatabase(url: string): Promise<{ created: boolean }> {
  const name = databaseName(url);
  // Most starts find it there: ask the database itself first, so a user who may not open the
  // maintenance database (managed Postgres) still starts once the database exists.
  const probe = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await probe`select 1`;
    return { created: false };
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err;
  } finally {
    await probe.end({ timeout: 5 });
  }
  const admin = postgres(maintenanceUrl(url), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return { created: false };
    try {
      await admin.unsafe(`create database "${name.replaceAll('"', '""')}"`);
      return { created: true };
    } catch (err) {
      // Another process created it between our check and our create: that is the outcome we wanted.
      // Postgres reports that race as duplicate_database or, mid-catalog-insert, as unique_violation.
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return { created: false };
      throw err;
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Applies pending migrations under a session-level advisory lock (one connection, so the lock holds). */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    try {
      await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function prepareDatabase(url: string): Promise<{ created: boolean }> {
  const result = await ensureDatabase(url);
  await migrateDatabase(url);
  return result;
}

import postgres from 'postgres';
import { prepareDatabase } from './migrate.js';

/**
 * The demo's own database: dropped and made again (created, migrated) at every demo start, so each
 * walkthrough begins empty. Refuses any name that does not end in `_demo`: this must never be able
 * to drop the service's database.
 */
export async function resetDemoDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/_demo$/.test(name)) throw new Error(`refusing to reset "${name}": only a database named *_demo`);
  u.pathname = '/postgres';
  const admin = postgres(u.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await admin.unsafe(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  await prepareDatabase(url);
}

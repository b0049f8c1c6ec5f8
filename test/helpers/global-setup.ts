import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, migrateDatabase } from '../../src/core/db/migrate.js';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    testRunId: string;
  }
}

function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Migrates one template database per run; every test file copies it (CREATE DATABASE ... TEMPLATE). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const template = `sw_tpl_${runId}`;
  await ensureDatabase(urlFor(template));
  await migrateDatabase(urlFor(template));
  project.provide('templateDatabase', template);
  project.provide('testRunId', runId);

  return async () => {
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      const rows = await admin<{ datname: string }[]>`
        select datname from pg_database where datname = ${template} or datname like ${`sw_t_${runId}_%`}`;
      for (const { datname } of rows) {
        await admin.unsafe(`drop database if exists "${datname}" with (force)`);
      }
    } finally {
      await admin.end({ timeout: 5 });
    }
  };
}

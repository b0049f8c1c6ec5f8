import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Db = PostgresJsDatabase<Schema>;
export type Sql = postgres.Sql;

export interface Database {
  /** drizzle over its own pool. */
  db: Db;
  /**
   * Raw postgres-js on a separate pool: drizzle replaces its client's date serializers and parsers with
   * pass-throughs, so raw queries sharing that client could neither send nor receive Date objects.
   */
  sql: Sql;
  close(): Promise<void>;
}

function pool(url: string, max: number): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: 'storywatch' },
  });
}

export function connectDatabase(url: string, options: { max?: number } = {}): Database {
  const max = options.max ?? 10;
  const drizzleClient = pool(url, max);
  const sql = pool(url, Math.max(2, Math.ceil(max / 2)));
  const db = drizzle(drizzleClient, { schema });
  return {
    db,
    sql,
    close: async () => {
      await Promise.all([drizzleClient.end({ timeout: 5 }), sql.end({ timeout: 5 })]);
    },
  };
}

/** One round trip to Postgres: throws when the database does not answer (the /healthz probe). */
export async function pingDatabase(deps: { sql: Sql }): Promise<void> {
  await deps.sql`select 1`;
}

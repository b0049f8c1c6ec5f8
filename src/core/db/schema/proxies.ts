import { sql } from 'drizzle-orm';
import { boolean, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const proxies = pgTable(
  'proxies',
  {
    id: serial('id').primaryKey(),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    username: text('username'),
    /** AES-256-GCM ciphertext (see core/crypto); the plain password is never stored. */
    passwordEnc: text('password_enc'),
    enabled: boolean('enabled').notNull().default(true),
    /** 'ok' until `proxy test` or repeated failures mark it 'dead'. */
    health: text('health').notNull().default('unknown'),
    coolingUntil: timestamp('cooling_until', { withTimezone: true }),
    cooldownLevel: integer('cooldown_level').notNull().default(0),
    successes: integer('successes').notNull().default(0),
    failures: integer('failures').notNull().default(0),
    failuresByOutcome: jsonb('failures_by_outcome').$type<Record<string, number>>().notNull().default({}),
    /** The last few latencies, newest last, for the median shown in `proxy list` and `stats`. */
    recentLatenciesMs: jsonb('recent_latencies_ms').$type<number[]>().notNull().default([]),
    lastError: text('last_error'),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    lastTestedAt: timestamp('last_tested_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Rotating gateways share host:port with different users, so the user is part of identity.
    uniqueIndex('proxies_identity_uq').on(t.host, t.port, sql`coalesce(${t.username}, '')`),
  ],
);

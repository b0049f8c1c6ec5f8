import { sql } from 'drizzle-orm';
import { check, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A single row (id = 1) of operator settings; read fresh by running batches so changes apply within a minute. */
export const settings = pgTable(
  'settings',
  {
    id: integer('id').primaryKey().default(1),
    profilesPerMinute: integer('profiles_per_minute').notNull().default(60),
    threads: integer('threads').notNull().default(3),
    selectionPolicy: text('selection_policy').notNull().default('yield'),
    /** Instagram identifiers and route orders the operator changed (see core/instagram); defaults are not stored. */
    instagram: jsonb('instagram').$type<Record<string, unknown>>().notNull().default({}),
    /** Retention in days (core/retention.ts): finished batches with their items, events, sent/failed deliveries. */
    keepBatchesDays: integer('keep_batches_days').notNull().default(30),
    keepEventsDays: integer('keep_events_days').notNull().default(30),
    keepDeliveriesDays: integer('keep_deliveries_days').notNull().default(14),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('settings_single_row', sql`${t.id} = 1`),
    check('settings_rate_range', sql`${t.profilesPerMinute} between 1 and 600`),
    check('settings_threads_range', sql`${t.threads} between 1 and 20`),
    check('settings_keep_batches_range', sql`${t.keepBatchesDays} between 1 and 3650`),
    check('settings_keep_events_range', sql`${t.keepEventsDays} between 1 and 3650`),
    check('settings_keep_deliveries_range', sql`${t.keepDeliveriesDays} between 1 and 3650`),
  ],
);

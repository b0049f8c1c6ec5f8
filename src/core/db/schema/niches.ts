import { sql } from 'drizzle-orm';
import { check, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const niches = pgTable(
  'niches',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    /** Display order only; nothing else depends on it (workflow 2.1: "Reorder: visual organization only"). */
    position: integer('position').notNull(),
    /** Stories per day that the auto-trigger aims for; 0 turns auto batches off for this niche. */
    dailyTarget: integer('daily_target').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('niches_name_lower_uq').on(sql`lower(${t.name})`),
    check('niches_daily_target_range', sql`${t.dailyTarget} between 0 and 800`),
    check('niches_name_length', sql`char_length(${t.name}) between 1 and 50`),
  ],
);

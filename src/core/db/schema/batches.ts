import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { niches } from './niches.js';

export const batchStatus = pgEnum('batch_status', [
  'pending',
  'in_progress',
  'completed',
  'cancelled',
  'failed',
]);
export const batchTrigger = pgEnum('batch_trigger', ['manual', 'auto']);

/** Where a batch was started from, so progress and the summary go back to the same chat. */
export interface BatchOrigin {
  platform: 'telegram' | 'discord' | 'console' | 'web';
  chatId: string;
  userId?: string;
}

export const batches = pgTable(
  'batches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // Nullable so a niche can be deleted without erasing the history of its batches.
    nicheId: integer('niche_id').references(() => niches.id, { onDelete: 'set null' }),
    nicheName: text('niche_name').notNull(),
    trigger: batchTrigger('trigger').notNull(),
    policy: text('policy').notNull().default('oldest'),
    requested: integer('requested').notNull(),
    status: batchStatus('status').notNull().default('pending'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    /** When the running worker saw the cancel and stopped starting checks (the reply waits for it). */
    cancelSeenAt: timestamp('cancel_seen_at', { withTimezone: true }),
    /** Why a running batch is not checking right now (every proxy cooling...), shown by `batch status`. */
    waitingReason: text('waiting_reason'),
    checked: integer('checked').notNull().default(0),
    stories: integer('stories').notNull().default(0),
    notFound: integer('not_found').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    private: integer('private').notNull().default(0),
    /** Errors by checker outcome, e.g. {"rate_limited": 3, "transient": 1}. */
    errors: jsonb('errors').$type<Record<string, number>>().notNull().default({}),
    failureReason: text('failure_reason'),
    origin: jsonb('origin').$type<BatchOrigin>(),
  },
  (t) => [
    // The database, not the code, has the final word on "one active batch per niche".
    uniqueIndex('batches_one_active_per_niche_uq')
      .on(t.nicheId)
      .where(sql`${t.status} in ('pending', 'in_progress')`),
    index('batches_niche_created_idx').on(t.nicheId, t.createdAt),
    index('batches_status_idx').on(t.status),
    check('batches_requested_positive', sql`${t.requested} > 0`),
  ],
);

/**
 * The profiles chosen for a batch. A row's outcome is written in the same transaction as the profile's
 * counters, and only while it is still null, so a re-delivered job can never count a profile twice, and
 * a resumed batch knows exactly which profiles are left.
 */
export const batchItems = pgTable(
  'batch_items',
  {
    batchId: bigint('batch_id', { mode: 'number' })
      .notNull()
      .references(() => batches.id, { onDelete: 'cascade' }),
    username: text('username').notNull(),
    outcome: text('outcome'),
    attempts: integer('attempts').notNull().default(0),
    checkedAt: timestamp('checked_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.batchId, t.username] }),
    index('batch_items_pending_idx').on(t.batchId).where(sql`${t.outcome} is null`),
    // `profiles show`: a profile's latest checks without reading every batch's items.
    index('batch_items_username_checked_idx').on(t.username, t.checkedAt.desc()),
  ],
);

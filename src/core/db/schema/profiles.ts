import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { niches } from './niches.js';

export const profileStatus = pgEnum('profile_status', ['active', 'deleted']);

/** The master list: one row per Instagram username, ever. */
export const profiles = pgTable(
  'profiles',
  {
    username: text('username').primaryKey(),
    nicheId: integer('niche_id').references(() => niches.id, { onDelete: 'set null' }),
    status: profileStatus('status').notNull().default('active'),
    /** Instagram's numeric id never changes, so it is cached to skip the lookup on later checks. */
    igUserId: text('ig_user_id'),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    lastDetectedAt: timestamp('last_detected_at', { withTimezone: true }),
    totalChecks: integer('total_checks').notNull().default(0),
    totalDetected: integer('total_detected').notNull().default(0),
    /** Two-strike deletion: Instagram sends false 404s, so one answer is not enough. */
    notFoundStrikes: integer('not_found_strikes').notNull().default(0),
    lastNotFoundAt: timestamp('last_not_found_at', { withTimezone: true }),
    lastNotFoundProxyId: integer('last_not_found_proxy_id'),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('profiles_username_format', sql`${t.username} ~ '^[a-z0-9._]{1,30}$'`),
    // "The next N active profiles of niche X to check": never checked first, then oldest check.
    index('profiles_next_check_idx')
      .on(t.nicheId, t.lastCheckedAt.asc().nullsFirst(), t.username)
      .where(sql`${t.status} = 'active'`),
    // Paging a niche's profiles by username, by status.
    index('profiles_niche_username_idx').on(t.nicheId, t.status, t.username),
    // `profiles list NAME sort checked|detected|count`: each page is an index range, never a sort.
    index('profiles_niche_checked_idx').on(
      t.nicheId,
      t.status,
      t.lastCheckedAt.desc().nullsLast(),
      t.username,
    ),
    index('profiles_niche_detected_idx').on(
      t.nicheId,
      t.status,
      t.lastDetectedAt.desc().nullsLast(),
      t.username,
    ),
    // `profiles list all active|deleted`: the master list by username within one status.
    index('profiles_status_username_idx').on(t.status, t.username),
    index('profiles_niche_count_idx').on(t.nicheId, t.status, t.totalDetected.desc(), t.username),
  ],
);

/**
 * Profile counts per (niche, status) as an append-only log of deltas, written by statement-level
 * triggers on profiles (migration 0004): "page N of M" on a 1,000,000-row master list is a sum over a
 * few rows instead of a count over the table. Append-only, so concurrent imports and checks never wait
 * on a shared counter row; `compactProfileCounts` folds the rows of a key into one now and then.
 * niche_key 0 is "unassigned" (no niche has id 0).
 */
export const profileCountDeltas = pgTable(
  'profile_count_deltas',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    nicheKey: integer('niche_key').notNull(),
    status: profileStatus('status').notNull(),
    delta: integer('delta').notNull(),
  },
  (t) => [index('profile_count_deltas_key_idx').on(t.nicheKey, t.status)],
);

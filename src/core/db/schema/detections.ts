import {
  bigint,
  bigserial,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { batches } from './batches.js';
import { niches } from './niches.js';
import { profiles } from './profiles.js';

/** One row per story seen; purged after 24 h, and results are always read from that window. */
export const detections = pgTable(
  'detections',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    username: text('username')
      .notNull()
      .references(() => profiles.username, { onDelete: 'cascade', onUpdate: 'cascade' }),
    nicheId: integer('niche_id').references(() => niches.id, { onDelete: 'set null' }),
    batchId: bigint('batch_id', { mode: 'number' }).references(() => batches.id, { onDelete: 'set null' }),
    detectedAt: timestamp('detected_at', { withTimezone: true }).notNull().defaultNow(),
    storyTakenAt: timestamp('story_taken_at', { withTimezone: true }),
    storyExpiresAt: timestamp('story_expires_at', { withTimezone: true }),
  },
  (t) => [
    index('detections_detected_at_idx').on(t.detectedAt),
    index('detections_niche_detected_idx').on(t.nicheId, t.detectedAt),
    // `profiles show`: the stories of one profile.
    index('detections_username_detected_idx').on(t.username, t.detectedAt),
    uniqueIndex('detections_batch_username_uq').on(t.batchId, t.username),
  ],
);

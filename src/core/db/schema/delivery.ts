import {
  boolean,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const chatPlatform = pgEnum('chat_platform', ['telegram', 'discord']);

/** Chats and channels that asked for the hourly digest (`/digest here`). */
export const deliveryTargets = pgTable(
  'delivery_targets',
  {
    id: serial('id').primaryKey(),
    platform: chatPlatform('platform').notNull(),
    chatId: text('chat_id').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    /** Digest watermark: stories first detected after this instant go into the next digest. */
    lastDigestAt: timestamp('last_digest_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('delivery_targets_chat_uq').on(t.platform, t.chatId)],
);

/** Every message handed to a chat, keyed so the same digest or summary is never delivered twice. */
export const deliveries = pgTable(
  'deliveries',
  {
    id: serial('id').primaryKey(),
    dedupeKey: text('dedupe_key').notNull(),
    targetId: integer('target_id').references(() => deliveryTargets.id, { onDelete: 'cascade' }),
    /** queued -> sent | failed; a queued row is re-enqueued until sent, so nothing is lost. */
    status: text('status').notNull().default('queued'),
    /** The Delivery itself (outbox): written in the same transaction as the digest watermark. */
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('deliveries_dedupe_uq').on(t.dedupeKey)],
);

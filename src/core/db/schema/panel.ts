import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * One-time login links for the web panel (the `panel` command). Only the sha256 of the token is kept,
 * so a database dump cannot log anyone in; `used_at` makes a link single use.
 */
export const panelLoginTokens = pgTable(
  'panel_login_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').notNull(),
    platform: text('platform').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('panel_login_tokens_expires_idx').on(t.expiresAt)],
);

/** Web panel sessions: the cookie's random id, stored as its sha256; revoked all at once by `panel logout all`. */
export const panelSessions = pgTable(
  'panel_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: text('user_id').notNull(),
    platform: text('platform').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('panel_sessions_expires_idx').on(t.expiresAt)],
);

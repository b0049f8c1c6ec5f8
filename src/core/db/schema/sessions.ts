import { integer, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { proxies } from './proxies.js';

/** Logged-in Instagram sessions (optional): 20 profiles per request instead of one. */
export const igSessions = pgTable('ig_sessions', {
  id: serial('id').primaryKey(),
  /** ds_user_id: the account's numeric id; not secret, shown to tell sessions apart. */
  dsUserId: text('ds_user_id').notNull().unique(),
  /** The whole cookie set (sessionid, csrftoken, ...), AES-256-GCM encrypted. */
  cookiesEnc: text('cookies_enc').notNull(),
  /** A session hopping between IPs gets challenged, so it sticks to one proxy. */
  proxyId: integer('proxy_id').references(() => proxies.id, { onDelete: 'set null' }),
  status: text('status').notNull().default('active'),
  disabledReason: text('disabled_reason'),
  /** When it was last disabled: alerts are keyed by the disablement, so a re-added account alerts again. */
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  /** The browser the cookies were captured with; requests with this session send it (a changed one looks stolen). */
  userAgent: text('user_agent'),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

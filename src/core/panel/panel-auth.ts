import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { panelLoginTokens, panelSessions } from '../db/schema/index.js';
import type { CoreDeps } from '../deps.js';

/** A login link is good for this long, once. */
export const LOGIN_LINK_TTL_MS = 10 * 60_000;
/** A session lasts 24 h from login, not sliding: a stolen cookie is good for a day at most. */
export const SESSION_TTL_MS = 24 * 60 * 60_000;

export interface PanelUser {
  userId: string;
  /** Where the login came from: the front-end that ran `panel`, or `telegram-mini-app`. */
  platform: string;
}

export interface PanelSession extends PanelUser {
  expiresAt: Date;
}

/** sha256 hex: tokens and session ids are stored only as this, so a database dump logs no one in. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A fresh one-time login token for this user; the caller puts it in a link. */
export async function createLoginToken(
  deps: Pick<CoreDeps, 'db' | 'clock'>,
  user: PanelUser,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + LOGIN_LINK_TTL_MS);
  await deps.db.insert(panelLoginTokens).values({
    tokenHash: hashSecret(token),
    userId: user.userId,
    platform: user.platform,
    createdAt: now,
    expiresAt,
  });
  return { token, expiresAt };
}

export type RedeemResult =
  | { ok: true; user: PanelUser }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/**
 * Spends a login token: one UPDATE marks it used only if it is unused and unexpired, so two tabs
 * opening the same link race to one winner. Refusals say why (for the log, never for the stranger).
 */
export async function redeemLoginToken(
  deps: Pick<CoreDeps, 'db' | 'clock'>,
  token: string,
): Promise<RedeemResult> {
  const now = deps.clock.now();
  const hash = hashSecret(token);
  const [spent] = await deps.db
    .update(panelLoginTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(panelLoginTokens.tokenHash, hash),
        isNull(panelLoginTokens.usedAt),
        gt(panelLoginTokens.expiresAt, now),
      ),
    )
    .returning({ userId: panelLoginTokens.userId, platform: panelLoginTokens.platform });
  if (spent) return { ok: true, user: spent };
  const [row] = await deps.db
    .select({ usedAt: panelLoginTokens.usedAt })
    .from(panelLoginTokens)
    .where(eq(panelLoginTokens.tokenHash, hash));
  if (!row) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: row.usedAt ? 'used' : 'expired' };
}

/** Opens a session; returns the raw id for the cookie (only its hash is stored). */
export async function createSession(
  deps: Pick<CoreDeps, 'db' | 'clock'>,
  user: PanelUser,
): Promise<{ id: string; expiresAt: Date }> {
  const id = newSecret();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await deps.db.insert(panelSessions).values({
    idHash: hashSecret(id),
    userId: user.userId,
    platform: user.platform,
    createdAt: now,
    expiresAt,
  });
  return { id, expiresAt };
}

/** The live session a cookie names, or undefined (unknown, expired or revoked). */
export async function findSession(
  deps: Pick<CoreDeps, 'db' | 'clock'>,
  id: string,
): Promise<PanelSession | undefined> {
  const [row] = await deps.db
    .select({
      userId: panelSessions.userId,
      platform: panelSessions.platform,
      expiresAt: panelSessions.expiresAt,
    })
    .from(panelSessions)
    .where(
      and(
        eq(panelSessions.idHash, hashSecret(id)),
        isNull(panelSessions.revokedAt),
        gt(panelSessions.expiresAt, deps.clock.now()),
      ),
    );
  return row;
}

/** Ends one session (the page's log-out button). */
export async function revokeSession(deps: Pick<CoreDeps, 'db' | 'clock'>, id: string): Promise<void> {
  await deps.db
    .update(panelSessions)
    .set({ revokedAt: deps.clock.now() })
    .where(and(eq(panelSessions.idHash, hashSecret(id)), isNull(panelSessions.revokedAt)));
}

/** `panel logout all`: every live session ends and every unused link stops working. */
export async function revokeAllPanelAccess(
  deps: Pick<CoreDeps, 'db' | 'clock'>,
): Promise<{ sessions: number; links: number }> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const sessions = await tx
      .update(panelSessions)
      .set({ revokedAt: now })
      .where(and(isNull(panelSessions.revokedAt), gt(panelSessions.expiresAt, now)))
      .returning({ id: panelSessions.idHash });
    const links = await tx
      .update(panelLoginTokens)
      .set({ expiresAt: now })
      .where(and(isNull(panelLoginTokens.usedAt), gt(panelLoginTokens.expiresAt, now)))
      .returning({ id: panelLoginTokens.tokenHash });
    return { sessions: sessions.length, links: links.length };
  });
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { UserError } from '../errors.js';

/** Parses CREDENTIALS_KEY: 64 hex characters or base64 of 32 bytes. */
export function parseCredentialsKey(value: string | undefined): Buffer | undefined {
  if (!value) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error('CREDENTIALS_KEY must be 32 bytes (64 hex characters or base64)');
  return key;
}

function requireKey(key: Buffer | undefined): Buffer {
  if (!key) {
    throw new UserError(
      'credentials_key_missing',
      'Credentials cannot be stored: CREDENTIALS_KEY is not set. Generate one with `openssl rand -hex 32`, put it in the environment and restart.',
    );
  }
  return key;
}

/**
 * What a proxy password is bound to: its host, port and user. A row whose address was changed in the
 * database no longer decrypts, so its password is never sent to the new address. Each part is
 * URI-encoded so two different identities never give the same text (IPv6 hosts hold ':').
 */
export function proxyCredentialContext(p: { host: string; port: number; username: string | null }): string {
  return `proxy:${encodeURIComponent(p.host)}:${p.port}:${encodeURIComponent(p.username ?? '')}`;
}

/** What a session's cookies are bound to: the account they were stored for. */
export function sessionCredentialContext(dsUserId: string): string {
  return `session:${dsUserId}`;
}

export type CredentialFormat = 'v1' | 'v2' | 'unknown';

/** `v1`: no associated data (before #14.4); `v2`: bound to its row by a context string. */
export function credentialFormat(stored: string): CredentialFormat {
  const version = stored.slice(0, stored.indexOf('.'));
  return version === 'v1' || version === 'v2' ? version : 'unknown';
}

function seal(plain: string, key: Buffer | undefined, aad: string | undefined): string {
  const k = requireKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k, iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    aad === undefined ? 'v1' : 'v2',
    iv.toString('base64url'),
    tag.toString('base64url'),
    ct.toString('base64url'),
  ].join('.');
}

/**
 * AES-256-GCM with a random 96-bit IV and `context` as associated data:
 * `v2.<iv>.<tag>.<ciphertext>`, each part base64url. The same context must be given to decrypt.
 */
export function encryptSecret(plain: string, key: Buffer | undefined, context: string): string {
  return seal(plain, key, context);
}

/**
 * The format before #14.4, `v1.<iv>.<tag>.<ciphertext>` with no associated data. Still read, never
 * written by the service; kept to produce old rows in tests and tools.
 */
export function encryptSecretV1(plain: string, key: Buffer | undefined): string {
  return seal(plain, key, undefined);
}

/**
 * Decrypts `v2` with `context` as associated data, or `v1` (no associated data, context ignored).
 * A v2 value read with another context (its row's host, port or user was changed) fails like a
 * wrong key.
 */
export function decryptSecret(stored: string, key: Buffer | undefined, context: string): string {
  const k = requireKey(key);
  const [version, iv, tag, ct, extra] = stored.split('.');
  if ((version !== 'v1' && version !== 'v2') || !iv || !tag || ct === undefined || extra !== undefined)
    throw new Error('stored credential has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
  if (version === 'v2') decipher.setAAD(Buffer.from(context, 'utf8'));
  try {
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    // Wrong key (CREDENTIALS_KEY changed), tampered data, or a row moved to another identity; say
    // which may have happened without showing any of it.
    throw new UserError(
      'credentials_key_mismatch',
      'A stored credential cannot be decrypted with the current CREDENTIALS_KEY (was the key changed, or the row edited in the database?). Re-add the proxy or session.',
    );
  }
}

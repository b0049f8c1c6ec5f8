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

/** AES-256-GCM with a random 96-bit IV: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. */
export function encryptSecret(plain: string, key: Buffer | undefined): string {
  const k = requireKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ['v1', iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
}

export function decryptSecret(stored: string, key: Buffer | undefined): string {
  const k = requireKey(key);
  const [version, iv, tag, ct] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || ct === undefined)
    throw new Error('stored credential has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    // Wrong key (CREDENTIALS_KEY changed) or tampered data; say which without showing either.
    throw new UserError(
      'credentials_key_mismatch',
      'A stored credential cannot be decrypted with the current CREDENTIALS_KEY (was the key changed?). Re-add the proxy or session.',
    );
  }
}

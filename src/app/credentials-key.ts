import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../config/env.js';
import { parseCredentialsKey } from '../core/crypto/credentials.js';
import { checkCredentialsKey } from '../core/crypto/key-check.js';
import type { CoreDeps } from '../core/deps.js';
import type { Logger } from '../core/logger.js';

/** The key file's name inside STORYWATCH_DATA_DIR. */
export const KEY_FILE_NAME = 'credentials.key';

/** Start-up cannot go on with this key: the message names the file and CREDENTIALS_KEY, never the key. */
export class CredentialsKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsKeyError';
  }
}

/** The project folder: a relative STORYWATCH_DATA_DIR is taken from here, whatever the shell's folder. */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The key file. Relative to the project, not the working directory: the service and a console run from
 * a subfolder must find the same key, never make a second one.
 */
export function keyFilePath(env: Pick<Env, 'STORYWATCH_DATA_DIR'>): string {
  return resolve(PROJECT_ROOT, env.STORYWATCH_DATA_DIR, KEY_FILE_NAME);
}

/**
 * The key credentials are encrypted with. CREDENTIALS_KEY when set; otherwise the key file in
 * STORYWATCH_DATA_DIR, created once (32 random bytes, mode 0600) when there is none and nothing is
 * stored yet. A key file that reads none of the stored credentials, or a missing one while credentials
 * are stored, stops start-up: a new key would never decrypt them.
 */
export async function resolveCredentialsKey(
  env: Pick<Env, 'CREDENTIALS_KEY' | 'STORYWATCH_DATA_DIR'>,
  deps: Pick<CoreDeps, 'db'>,
  log: Logger,
): Promise<Buffer> {
  if (env.CREDENTIALS_KEY) {
    const key = parseCredentialsKey(env.CREDENTIALS_KEY) as Buffer;
    const check = await checkCredentialsKey(deps, key);
    if (check.tried > 0 && check.readable === 0)
      log.warn(check, 'CREDENTIALS_KEY decrypts none of the stored credentials: was it changed?');
    return key;
  }
  const path = keyFilePath(env);
  const existing = await readKeyFile(path);
  const check = await checkCredentialsKey(deps, existing);
  if (existing) {
    if (check.tried > 0 && check.readable === 0) {
      throw new CredentialsKeyError(
        `the key file ${path} decrypts none of the ${check.tried} stored credentials, so it is not the key they were written with. Restore the key file from your backup, or set CREDENTIALS_KEY to the key they were written with (CREDENTIALS_KEY, when set, is used instead of the file).`,
      );
    }
    log.info({ keyFile: path }, 'credentials key read from the key file (CREDENTIALS_KEY is not set)');
    return existing;
  }
  if (check.tried > 0) {
    throw new CredentialsKeyError(
      `${check.tried} stored credentials need the key they were written with, but CREDENTIALS_KEY is not set and there is no key file at ${path}. Set CREDENTIALS_KEY to that key, or restore the key file (its folder is STORYWATCH_DATA_DIR); a new key would not decrypt them.`,
    );
  }
  const { key, created } = await createKeyFile(path);
  if (created) {
    log.warn(
      { keyFile: path },
      'CREDENTIALS_KEY is not set: created a credentials key file. Back it up with the database: without it, stored proxy passwords and Instagram sessions cannot be decrypted',
    );
  }
  return key;
}

async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw new CredentialsKeyError(`cannot read the key file ${path}: ${(err as Error).message}`);
  }
  const value = text.trim();
  const ok = /^[0-9a-fA-F]{64}$/.test(value) || Buffer.from(value, 'base64').length === 32;
  if (!ok) {
    throw new CredentialsKeyError(
      `the key file ${path} does not hold a key (32 bytes as 64 hex characters). Restore it from your backup, or set CREDENTIALS_KEY.`,
    );
  }
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return parseCredentialsKey(value);
}

/**
 * Writes a new key to a file of its own and links it into place, so a second process starting at the
 * same moment either wins or reads the winner's complete file, never a half-written one.
 */
async function createKeyFile(path: string): Promise<{ key: Buffer; created: boolean }> {
  const dir = resolve(path, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  const temp = join(dir, `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(temp, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600);
  try {
    await link(temp, path);
    return { key, created: true };
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
    const theirs = await readKeyFile(path);
    if (!theirs) throw err;
    return { key: theirs, created: false };
  } finally {
    await unlink(temp).catch(() => {});
  }
}

import { randomBytes } from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import { maskSecrets } from '../../core/mask.js';

/**
 * A failure on our side (a bug, Postgres, Redis or the platform unreachable): logged under a short
 * reference, and the reply names that reference only, so the operator can find the log entry while
 * the chat learns nothing of the internals. Returns the reply's text and the reference.
 */
export function internalFailure(log: Logger, err: unknown, what: string): { text: string; ref: string } {
  const ref = randomBytes(4).toString('hex');
  log.error({ ref, err }, what);
  return {
    ref,
    text: `Something failed on our side (logged as ${ref}). Nothing was changed unless a reply said so.`,
  };
}

/**
 * The error with a platform token removed from its message and stack: the logger masks the secrets
 * it knows the shape of, and a token passed in is masked whatever its shape.
 */
export function withoutSecrets(err: unknown, secrets: readonly string[]): Error {
  const source = err instanceof Error ? err : new Error(String(err));
  const masked = new Error(maskSecrets(source.message, secrets));
  masked.name = source.name;
  masked.stack = maskSecrets(source.stack ?? '', secrets);
  return masked;
}

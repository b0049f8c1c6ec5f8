import type { Invocation } from '../commands/dispatch.js';
import { findCommand } from '../commands/registry.js';
import type { StoredButton } from './invocation-store.js';

/** What a press of a button whose invocation is gone (older than a week, or never ours) answers. */
export const EXPIRED_BUTTON = 'This button has expired. Run the command again.';

/**
 * The invocation a pressed button stands for, or undefined when it has expired or names a command
 * this version no longer has (the caller then answers EXPIRED_BUTTON).
 */
export function pressedInvocation(stored: StoredButton | undefined): Invocation | undefined {
  const found = stored ? findCommand(stored.command.split(' ')) : undefined;
  if (!stored || !found) return undefined;
  const values = Object.fromEntries(Object.entries(stored.args).map(([k, v]) => [k, String(v)]));
  return { command: found.command, values };
}

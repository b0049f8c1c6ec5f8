/**
 * An error meant for the operator: a stable code and a message that says what was wrong and what is
 * accepted. Anything that is not a UserError is an internal failure: logged with context, and the
 * operator only sees a short reference to the log entry.
 */
export class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

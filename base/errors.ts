/**
 * A mistake the user can fix (bad flag, missing file, corrupt input). The CLI prints
 * its message as one line and exits non-zero, without a stack trace.
 *
 *   throw new UserError(`--n must be a positive integer, got "${raw}"`);
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Short one-line description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err).split('\n')[0];
}

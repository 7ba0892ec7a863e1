/**
 * The base of every error Aloft raises on purpose.
 *
 * Each error carries a stable string `code` (what went wrong, for programs and exit codes),
 * says whether trying again may help (`retryable`), and forwards its `cause`.
 *
 * @example
 * throw new AloftError('LATTICE_NAME_INVALID', 'lattice name "a b" has a space', { retryable: false });
 */
export class AloftError extends Error {
  override name = 'AloftError';
  readonly code: string;
  readonly retryable: boolean;
  /** What the user can do about it, when there is something to say. */
  readonly hint: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; cause?: unknown; hint?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
  }
}

/** True when `err` is an {@link AloftError}, optionally with the given code. */
export function isAloftError(err: unknown, code?: string): err is AloftError {
  return err instanceof AloftError && (code === undefined || err.code === code);
}

/** A readable one-line message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

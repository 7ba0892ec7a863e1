import { AloftError } from '../../support/index.ts';

/**
 * Stable codes of key-value failures, as the guest sees them in `error.code`.
 *
 * - `KV_UNAVAILABLE` (retryable): the backend cannot be reached or did not answer in time.
 * - `KV_CONFLICT` (retryable): an atomic update lost to concurrent writers too many times in a row.
 * - `KV_INVALID`: a bucket name, key, value or delta the contract does not accept (or an
 *   increment that would overflow a signed 64-bit integer).
 * - `KV_NOT_INTEGER`: `increment` on a value that is not a decimal signed 64-bit integer.
 * - `KV_BACKEND_ERROR`: the backend refused the operation for another reason.
 */
export const KeyValueCodes = {
  UNAVAILABLE: 'KV_UNAVAILABLE',
  CONFLICT: 'KV_CONFLICT',
  INVALID: 'KV_INVALID',
  NOT_INTEGER: 'KV_NOT_INTEGER',
  BACKEND_ERROR: 'KV_BACKEND_ERROR',
} as const;
export type KeyValueCode = (typeof KeyValueCodes)[keyof typeof KeyValueCodes];

const retryableCodes: ReadonlySet<string> = new Set([
  KeyValueCodes.UNAVAILABLE,
  KeyValueCodes.CONFLICT,
]);

/** A key-value operation failed; `retryable` follows from the code. */
export class KeyValueError extends AloftError {
  override name = 'KeyValueError';
  declare readonly code: KeyValueCode;

  constructor(
    code: KeyValueCode,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(code, message, { ...options, retryable: retryableCodes.has(code) });
  }
}

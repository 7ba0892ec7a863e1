import { ClosedConnectionError, RequestError } from '@nats-io/nats-core';
import { JetStreamApiError } from '@nats-io/jetstream';
import { AloftError, delay } from '../../support/index.ts';

/** JetStream's "wrong last sequence" codes: a revision-checked write lost to another writer. */
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);

/** True when the write failed only because the key's revision moved on. */
export function isRevisionConflict(err: unknown): boolean {
  return err instanceof JetStreamApiError && WRONG_LAST_SEQUENCE.has(err.code);
}

/**
 * True for failures that a leader election or a server failover explains, and that go away by
 * themselves: timeouts, no responders ("JetStream not enabled"), and 5xx API errors such as
 * "JetStream system temporarily unavailable" or "no suitable peers".
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof JetStreamApiError) return err.status >= 500;
  if (err instanceof RequestError) return true;
  return ['TimeoutError', 'JetStreamNotEnabled', 'NoResponders'].includes(err.name);
}

/** Codes a backend uses for the two failure classes of {@link toBackendError}. */
export interface BackendCodes {
  /** Retryable: JetStream did not answer (a leader election, a lost server) or the connection closed. */
  unavailable: string;
  /** Anything else the server refused. */
  failed: string;
  /** Builds the error; defaults to an {@link AloftError}. */
  make?: (code: string, message: string, opts: { cause: unknown; hint?: string }) => AloftError;
}

/** Maps a nats.js failure to an error with one of `codes`. */
export function toBackendError(err: unknown, what: string, codes: BackendCodes): AloftError {
  if (err instanceof AloftError) return err;
  const make =
    codes.make ??
    ((code: string, message: string, opts: { cause: unknown; hint?: string }) =>
      new AloftError(code, message, { ...opts, retryable: code === codes.unavailable }));
  if (err instanceof ClosedConnectionError) {
    return make(codes.unavailable, `${what}: the NATS connection is closed`, { cause: err });
  }
  if (isTransient(err)) {
    return make(
      codes.unavailable,
      `${what}: NATS JetStream did not answer (${(err as Error).message}); it may be electing a leader`,
      { cause: err, hint: 'retry shortly; check that a majority of the JetStream cluster is up' },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return make(codes.failed, `${what}: ${message}`, { cause: err });
}

/**
 * Runs `fn` until it succeeds, retrying transient failures with a capped exponential backoff for
 * at most `budgetMs`; then, or on any other failure, throws {@link toBackendError}'s error.
 */
export async function retryTransient<T>(
  what: string,
  budgetMs: number,
  fn: () => Promise<T>,
  isClosed: () => boolean,
  codes: BackendCodes,
): Promise<T> {
  const deadline = performance.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = Math.min(25 * 2 ** attempt, 400) * (0.5 + Math.random() / 2);
      if (isClosed() || !isTransient(err) || performance.now() + wait > deadline) {
        throw toBackendError(err, what, codes);
      }
      await delay(wait);
    }
  }
}

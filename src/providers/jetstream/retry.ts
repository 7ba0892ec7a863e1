import { ClosedConnectionError, RequestError } from '@nats-io/nats-core';
import { JetStreamApiError } from '@nats-io/jetstream';
import { delay } from '../../support/index.ts';
import { KeyValueCodes, KeyValueError } from './errors.ts';

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

/** Maps a nats.js failure to a key-value error. */
export function toKeyValueError(err: unknown, what: string): KeyValueError {
  if (err instanceof KeyValueError) return err;
  if (err instanceof ClosedConnectionError) {
    return new KeyValueError(KeyValueCodes.UNAVAILABLE, `${what}: the NATS connection is closed`, {
      cause: err,
    });
  }
  if (isTransient(err)) {
    return new KeyValueError(
      KeyValueCodes.UNAVAILABLE,
      `${what}: NATS JetStream did not answer (${(err as Error).message}); it may be electing a leader`,
      { cause: err, hint: 'retry shortly; check that a majority of the JetStream cluster is up' },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new KeyValueError(KeyValueCodes.BACKEND_ERROR, `${what}: ${message}`, { cause: err });
}

/**
 * Runs `fn` until it succeeds, retrying transient failures with a capped exponential backoff for
 * at most `budgetMs`; then, or on any other failure, throws a {@link KeyValueError}.
 */
export async function retryTransient<T>(
  what: string,
  budgetMs: number,
  fn: () => Promise<T>,
  isClosed: () => boolean,
): Promise<T> {
  const deadline = performance.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = Math.min(25 * 2 ** attempt, 400) * (0.5 + Math.random() / 2);
      if (isClosed() || !isTransient(err) || performance.now() + wait > deadline) {
        throw toKeyValueError(err, what);
      }
      await delay(wait);
    }
  }
}

import { KeyValueCodes, KeyValueError } from './errors.ts';
import { KV_LIMITS, type KeyPage, type KeyValueStore } from './types.ts';

const bucketRe = /^[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MIN_S64 = -(2n ** 63n);
const MAX_S64 = 2n ** 63n - 1n;

const invalid = (message: string): KeyValueError =>
  new KeyValueError(KeyValueCodes.INVALID, message);

function checkBucket(bucket: string): void {
  if (typeof bucket !== 'string' || !bucketRe.test(bucket)) {
    throw invalid(`bucket name ${JSON.stringify(bucket)} must match [A-Za-z0-9_-]+`);
  }
  if (bucket.length > KV_LIMITS.maxBucketChars) {
    throw invalid(`bucket name is longer than ${KV_LIMITS.maxBucketChars} characters`);
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw invalid('key must be a non-empty string');
  if (encoder.encode(key).length > KV_LIMITS.maxKeyBytes) {
    throw invalid(`key is longer than ${KV_LIMITS.maxKeyBytes} UTF-8 bytes`);
  }
}

function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw invalid('value must be bytes (Uint8Array)');
  if (value.length > KV_LIMITS.maxValueBytes) {
    throw invalid(`value is ${value.length} bytes; the limit is ${KV_LIMITS.maxValueBytes}`);
  }
}

function checkS64(n: bigint, what: string): void {
  if (typeof n !== 'bigint' || n < MIN_S64 || n > MAX_S64) {
    throw invalid(`${what} must be a signed 64-bit integer`);
  }
}

/**
 * Parses a stored counter: decimal ASCII without leading zeros, `+` or spaces (what Redis accepts).
 *
 * @throws {KeyValueError} `KV_NOT_INTEGER`.
 */
export function parseCounter(value: Uint8Array | undefined): bigint {
  if (value === undefined) return 0n;
  const text = decoder.decode(value);
  if (/^(0|-?[1-9][0-9]{0,18})$/.test(text)) {
    const n = BigInt(text);
    if (n >= MIN_S64 && n <= MAX_S64) return n;
  }
  throw new KeyValueError(
    KeyValueCodes.NOT_INTEGER,
    'the value is not a decimal signed 64-bit integer',
  );
}

/** `current + delta`, or `KV_INVALID` when it leaves the signed 64-bit range. */
export function addCounter(current: bigint, delta: bigint): bigint {
  const next = current + delta;
  if (next < MIN_S64 || next > MAX_S64)
    throw invalid('increment would overflow a signed 64-bit integer');
  return next;
}

export const encodeCounter = (n: bigint): Uint8Array => encoder.encode(n.toString());

/** True when both are absent, or both hold the same bytes. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Sorts `keys`, and returns the page of at most `pageSize` keys after `cursor`. */
export function pageOf(
  keys: Iterable<string>,
  cursor: string | undefined,
  pageSize: number,
): KeyPage {
  const sorted = [...keys].filter((k) => cursor === undefined || k > cursor).sort();
  const page = sorted.slice(0, pageSize);
  const more = sorted.length > page.length;
  return { keys: page, cursor: more ? page[page.length - 1] : undefined };
}

/**
 * Wraps a backend so that every call is validated the same way before it reaches the backend,
 * and every failure leaves as a {@link KeyValueError}.
 */
export function guarded(store: KeyValueStore): KeyValueStore {
  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof KeyValueError) throw err;
      throw new KeyValueError(KeyValueCodes.BACKEND_ERROR, `${store.backend}: ${String(err)}`, {
        cause: err,
      });
    }
  };
  return {
    backend: store.backend,
    get: (b, k) =>
      wrap(() => {
        checkBucket(b);
        checkKey(k);
        return store.get(b, k);
      }),
    set: (b, k, v) =>
      wrap(() => {
        checkBucket(b);
        checkKey(k);
        checkValue(v);
        return store.set(b, k, v);
      }),
    delete: (b, k) =>
      wrap(() => {
        checkBucket(b);
        checkKey(k);
        return store.delete(b, k);
      }),
    exists: (b, k) =>
      wrap(() => {
        checkBucket(b);
        checkKey(k);
        return store.exists(b, k);
      }),
    listKeys: (b, cursor) =>
      wrap(() => {
        checkBucket(b);
        if (cursor !== undefined && typeof cursor !== 'string')
          throw invalid('cursor must be a string');
        return store.listKeys(b, cursor);
      }),
    increment: (b, k, delta) =>
      wrap(() => {
        checkBucket(b);
        checkKey(k);
        checkS64(delta, 'delta');
        return store.increment(b, k, delta);
      }),
    compareAndSwap: (b, k, expected, value) =>
      wrap(() => {
        checkBucket(b);
        checkKey(k);
        if (expected !== undefined) checkValue(expected);
        checkValue(value);
        return store.compareAndSwap(b, k, expected, value);
      }),
    close: () => store.close(),
  };
}

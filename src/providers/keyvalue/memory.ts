import { KeyValueCodes, KeyValueError } from './errors.ts';
import { addCounter, encodeCounter, guarded, pageOf, parseCounter, sameBytes } from './guard.ts';
import { DEFAULT_PAGE_SIZE, type KeyValueStore } from './types.ts';

/** Options of {@link memoryKeyValue}. */
export interface MemoryKeyValueOptions {
  /** Keys per `listKeys` page. Default 1000. */
  pageSize?: number;
}

/**
 * A key-value store in this process's memory, for unit tests and single-process development.
 * Values are copied in and out, so callers cannot alias stored bytes.
 *
 * @example
 * const kv = memoryKeyValue();
 * await kv.set('todos', 'a', new TextEncoder().encode('x'));
 * await kv.increment('counters', 'hits', 1n); // 1n
 */
export function memoryKeyValue(options: MemoryKeyValueOptions = {}): KeyValueStore {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const buckets = new Map<string, Map<string, Uint8Array>>();
  let closed = false;
  const bucket = (name: string): Map<string, Uint8Array> => {
    if (closed) throw new KeyValueError(KeyValueCodes.UNAVAILABLE, 'the memory store is closed');
    let b = buckets.get(name);
    if (!b) {
      b = new Map();
      buckets.set(name, b);
    }
    return b;
  };
  const copy = (v: Uint8Array | undefined): Uint8Array | undefined => v && Uint8Array.from(v);
  // Every method is synchronous inside: atomicity comes from the single thread.
  const run = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));
  return guarded({
    backend: 'memory',
    get: (b, k) => run(() => copy(bucket(b).get(k))),
    set: (b, k, v) => run(() => void bucket(b).set(k, Uint8Array.from(v))),
    delete: (b, k) => run(() => void bucket(b).delete(k)),
    exists: (b, k) => run(() => bucket(b).has(k)),
    listKeys: (b, cursor) => run(() => pageOf(bucket(b).keys(), cursor, pageSize)),
    increment: (b, k, delta) =>
      run(() => {
        const m = bucket(b);
        const next = addCounter(parseCounter(m.get(k)), delta);
        m.set(k, encodeCounter(next));
        return next;
      }),
    compareAndSwap: (b, k, expected, value) =>
      run(() => {
        const m = bucket(b);
        if (!sameBytes(m.get(k), expected)) return false;
        m.set(k, Uint8Array.from(value));
        return true;
      }),
    close: () => {
      closed = true;
      buckets.clear();
      return Promise.resolve();
    },
  });
}

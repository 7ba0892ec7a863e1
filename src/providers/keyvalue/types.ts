/** One page of keys. `cursor` is set when more keys follow: pass it to the next `listKeys`. */
export interface KeyPage {
  keys: string[];
  cursor: string | undefined;
}

/**
 * Key-value storage by bucket: the `aloft:platform/keyvalue` contract as a TypeScript interface.
 * Every backend (memory, NATS JetStream KV, Redis) passes the same contract suite
 * (`test/providers/keyvalue-contract.ts`).
 *
 * - Bucket names match `[A-Za-z0-9_-]{1,64}`; keys are any non-empty string of at most
 *   {@link KV_LIMITS}.maxKeyBytes UTF-8 bytes; values are bytes, at most `maxValueBytes`.
 * - `listKeys` returns keys in ascending (UTF-16 code unit) order, at most the backend's page size
 *   per page; a key that exists for the whole listing appears exactly once.
 * - `increment` stores the number as its decimal ASCII text; an absent key counts as 0.
 * - `increment` and `compareAndSwap` are atomic across every client of the same backend.
 * - Failures are {@link KeyValueError}s with a stable code (`KV_UNAVAILABLE`, `KV_INVALID`...).
 */
export interface KeyValueStore {
  /** The backend's name: `memory`, `nats` or `redis`. */
  readonly backend: string;
  /** The value at `key`, or undefined when absent. */
  get(bucket: string, key: string): Promise<Uint8Array | undefined>;
  set(bucket: string, key: string, value: Uint8Array): Promise<void>;
  /** Removes `key`; removing an absent key succeeds. */
  delete(bucket: string, key: string): Promise<void>;
  exists(bucket: string, key: string): Promise<boolean>;
  /** One page of keys after `cursor` (from the start when undefined). */
  listKeys(bucket: string, cursor?: string): Promise<KeyPage>;
  /** Adds `delta` to the integer at `key` (absent = 0) and returns the new value. */
  increment(bucket: string, key: string, delta: bigint): Promise<bigint>;
  /**
   * Writes `value` only if the current value equals `expected` (undefined: the key is absent).
   * Resolves true when it wrote, false when the current value differed.
   */
  compareAndSwap(
    bucket: string,
    key: string,
    expected: Uint8Array | undefined,
    value: Uint8Array,
  ): Promise<boolean>;
  /** Releases connections. Further calls fail with `KV_UNAVAILABLE`. */
  close(): Promise<void>;
}

/** Limits every backend enforces the same way (`KV_INVALID` beyond them). */
export const KV_LIMITS = {
  maxBucketChars: 64,
  maxKeyBytes: 1024,
  /** Below NATS's default 1 MiB `max_payload`, leaving room for headers. */
  maxValueBytes: 1_000_000,
} as const;

/** Default number of keys per `listKeys` page. */
export const DEFAULT_PAGE_SIZE = 1000;

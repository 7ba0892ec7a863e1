/// <reference path="./aloft-platform-types.d.ts" />
declare module 'aloft:platform/keyvalue@0.1.0' {
  export function get(bucket: string, key: string): Uint8Array | undefined;
  export function set(bucket: string, key: string, value: Uint8Array): void;
  export { _delete as delete };
  declare function _delete(bucket: string, key: string): void;
  export function exists(bucket: string, key: string): boolean;
  export function listKeys(bucket: string, cursor: string | undefined): KeyResponse;
  /**
   * Adds `delta` to the number stored at `key` (absent = 0) and returns the new value.
   */
  export function increment(bucket: string, key: string, delta: bigint): bigint;
  /**
   * Writes `value` only if the current value equals `expected` (`none`: the key is absent).
   */
  export function compareAndSwap(
    bucket: string,
    key: string,
    expected: Uint8Array | undefined,
    value: Uint8Array,
  ): boolean;
  export type Error = import('aloft:platform/types@0.1.0').Error;
  /**
   * One page of keys; `cursor` is set when more keys follow.
   */
  export interface KeyResponse {
    keys: Array<string>;
    cursor?: string;
  }
}

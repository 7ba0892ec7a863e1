/// <reference path="./aloft-platform-types.d.ts" />
declare module 'aloft:platform/blobstore@0.1.0' {
  /**
   * Creates or replaces the object.
   */
  export function put(container: string, name: string, data: Uint8Array): void;
  export function get(container: string, name: string): Uint8Array | undefined;
  export function info(container: string, name: string): ObjectInfo | undefined;
  export function exists(container: string, name: string): boolean;
  /**
   * Removing an absent object succeeds.
   */
  export { _delete as delete };
  declare function _delete(container: string, name: string): void;
  export function list(container: string, cursor: string | undefined): ObjectPage;
  export type Error = import('aloft:platform/types@0.1.0').Error;
  /**
   * What is known about a stored object.
   */
  export interface ObjectInfo {
    name: string;
    size: bigint;
    /**
     * `sha256:<hex>`.
     */
    digest: string;
    /**
     * ISO 8601.
     */
    modified: string;
  }
  /**
   * One page of object names, in ascending order; `cursor` is set when more follow.
   */
  export interface ObjectPage {
    names: Array<string>;
    cursor?: string;
  }
}

import { AloftError } from '../../support/index.ts';

/** Stable codes of blob store failures. */
export const BlobCodes = {
  /** Retryable: the backend cannot be reached or did not answer in time. */
  UNAVAILABLE: 'BLOB_UNAVAILABLE',
  /** A container or object name the contract does not accept. */
  INVALID: 'BLOB_INVALID',
  /** The object is larger than the store's `maxObjectBytes`. */
  TOO_LARGE: 'BLOB_TOO_LARGE',
  BACKEND_ERROR: 'BLOB_BACKEND_ERROR',
} as const;

/** What is known about a stored object. */
export interface BlobInfo {
  name: string;
  size: number;
  /** `sha256:<hex>`. */
  digest: string;
  /** ISO 8601. */
  modified: string;
}

/** One page of object names; `cursor` is set when more follow. */
export interface BlobPage {
  names: string[];
  cursor: string | undefined;
}

/**
 * Objects (blobs) in named containers. Container names match `[A-Za-z0-9_-]{1,64}`; object names
 * are non-empty strings of at most 1024 UTF-8 bytes. `list` pages names in ascending order.
 */
export interface BlobStore {
  readonly backend: string;
  /** Creates or replaces the object. */
  put(container: string, name: string, data: Uint8Array): Promise<void>;
  /** The object's bytes, or undefined when absent. */
  get(container: string, name: string): Promise<Uint8Array | undefined>;
  info(container: string, name: string): Promise<BlobInfo | undefined>;
  exists(container: string, name: string): Promise<boolean>;
  /** Removes the object; removing an absent one succeeds. */
  delete(container: string, name: string): Promise<void>;
  list(container: string, cursor?: string): Promise<BlobPage>;
  close(): Promise<void>;
}

const containerRe = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates names and size the same way for every backend. */
export function checkBlobArgs(
  container: string,
  name?: string,
  data?: Uint8Array,
  maxBytes = Infinity,
): void {
  if (typeof container !== 'string' || !containerRe.test(container)) {
    throw new AloftError(
      BlobCodes.INVALID,
      `container name ${JSON.stringify(container)} must match [A-Za-z0-9_-]{1,64}`,
    );
  }
  if (
    name !== undefined &&
    (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > 1024)
  ) {
    throw new AloftError(
      BlobCodes.INVALID,
      'object name must be a non-empty string of at most 1024 bytes',
    );
  }
  if (data !== undefined) {
    if (!(data instanceof Uint8Array))
      throw new AloftError(BlobCodes.INVALID, 'object data must be bytes');
    if (data.length > maxBytes) {
      throw new AloftError(
        BlobCodes.TOO_LARGE,
        `object is ${data.length} bytes; the limit is ${maxBytes}`,
      );
    }
  }
}

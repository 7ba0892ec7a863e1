import type { NatsConnection } from '@nats-io/nats-core';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { assertLatticeName, latticeJetStream, replicasFor } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import { retryTransient, type BackendCodes } from '../jetstream/retry.ts';
import { pageOf } from '../keyvalue/guard.ts';
import { BlobCodes, checkBlobArgs, type BlobStore } from './types.ts';

/** Options of {@link natsBlobStore}. */
export interface NatsBlobStoreOptions {
  nc: NatsConnection;
  /** Containers are object stores named `aloft_<lattice>_blob_<container>`. */
  lattice: string;
  /** Default: `replicasFor(nc)`. */
  replicas?: number;
  /** Default 16 MiB. */
  maxObjectBytes?: number;
  pageSize?: number;
  /** How long one call keeps retrying while JetStream is unavailable. Default 10 000 ms. */
  retryBudgetMs?: number;
  /** Timeout of each JetStream request. Default 5000 ms. */
  requestTimeoutMs?: number;
}

/** `SHA-256=<base64url>` (the object store's form) → `sha256:<hex>`. */
function hexDigest(digest: string): string {
  const b64 = digest.replace(/^SHA-256=/i, '');
  return `sha256:${Buffer.from(b64, 'base64url').toString('hex')}`;
}

const CODES: BackendCodes = { unavailable: BlobCodes.UNAVAILABLE, failed: BlobCodes.BACKEND_ERROR };

/**
 * Blobs in NATS JetStream object stores: one object store per container, created on first use with
 * `replicasFor(nc)` replicas. Objects are chunked by the object store, so they may exceed the
 * server's message size. Transient JetStream failures are retried for `retryBudgetMs`, then fail
 * with the retryable `BLOB_UNAVAILABLE`.
 *
 * @example
 * const blobs = natsBlobStore({ nc, lattice: 'default' });
 * await blobs.put('photos', 'cat.jpg', bytes);
 */
export function natsBlobStore(options: NatsBlobStoreOptions): BlobStore {
  const { nc, lattice } = options;
  assertLatticeName(lattice);
  const replicas = options.replicas ?? replicasFor(nc);
  const max = options.maxObjectBytes ?? 16 * 1024 * 1024;
  const pageSize = options.pageSize ?? 1000;
  const budget = options.retryBudgetMs ?? 10_000;
  const objm = new Objm(latticeJetStream(nc, { timeout: options.requestTimeoutMs ?? 5000 }));
  const opened = new Map<string, Promise<ObjectStore>>();
  let closed = false;
  const isClosed = (): boolean => closed || nc.isClosed();
  const retry = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    closed
      ? Promise.reject(
          new AloftError(BlobCodes.UNAVAILABLE, 'the blob store is closed', { retryable: true }),
        )
      : retryTransient(what, budget, fn, isClosed, CODES);
  const open = (container: string): Promise<ObjectStore> => {
    let os = opened.get(container);
    if (!os) {
      os = retry(`open container ${container}`, () =>
        objm.create(`aloft_${lattice}_blob_${container}`, { replicas }),
      );
      opened.set(container, os);
      os.catch(() => opened.delete(container));
    }
    return os;
  };
  const withStore = async <T>(
    what: string,
    container: string,
    fn: (os: ObjectStore) => Promise<T>,
  ): Promise<T> => {
    const os = await open(container);
    return retry(what, () => fn(os));
  };

  return {
    backend: 'nats',
    put: async (c, n, data) => {
      checkBlobArgs(c, n, data, max);
      await withStore(`put ${c}/${n}`, c, (os) => os.putBlob({ name: n }, data));
    },
    get: async (c, n) => {
      checkBlobArgs(c, n);
      const data = await withStore(`get ${c}/${n}`, c, (os) => os.getBlob(n));
      // nats.js hands back a Buffer (maybe pooled); components get a plain Uint8Array of their own.
      return data ? new Uint8Array(data) : undefined;
    },
    info: async (c, n) => {
      checkBlobArgs(c, n);
      const info = await withStore(`info ${c}/${n}`, c, (os) => os.info(n));
      if (!info || info.deleted) return undefined;
      return {
        name: info.name,
        size: info.size,
        digest: hexDigest(info.digest),
        modified: info.mtime,
      };
    },
    exists: async (c, n) => {
      checkBlobArgs(c, n);
      const info = await withStore(`info ${c}/${n}`, c, (os) => os.info(n));
      return info !== null && !info.deleted;
    },
    delete: async (c, n) => {
      checkBlobArgs(c, n);
      await withStore(`delete ${c}/${n}`, c, (os) => os.delete(n));
    },
    list: async (c, cursor) => {
      checkBlobArgs(c);
      const infos = await withStore(`list ${c}`, c, (os) => os.list());
      const page = pageOf(
        infos.filter((i) => !i.deleted).map((i) => i.name),
        cursor,
        pageSize,
      );
      return { names: page.keys, cursor: page.cursor };
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}

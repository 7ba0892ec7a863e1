import { createHash } from 'node:crypto';
import { pageOf } from '../keyvalue/guard.ts';
import { checkBlobArgs, type BlobInfo, type BlobStore } from './types.ts';

/**
 * Blobs in this process's memory, for tests and development.
 *
 * @example
 * const blobs = memoryBlobStore();
 * await blobs.put('photos', 'a.jpg', bytes);
 */
export function memoryBlobStore(
  options: { pageSize?: number; maxObjectBytes?: number } = {},
): BlobStore {
  const pageSize = options.pageSize ?? 1000;
  const max = options.maxObjectBytes ?? 16 * 1024 * 1024;
  type Entry = { data: Uint8Array; info: BlobInfo };
  const containers = new Map<string, Map<string, Entry>>();
  const container = (c: string): Map<string, Entry> => {
    let m = containers.get(c);
    if (!m) containers.set(c, (m = new Map<string, Entry>()));
    return m;
  };
  const run = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));
  return {
    backend: 'memory',
    put: (c, n, data) =>
      run(() => {
        checkBlobArgs(c, n, data, max);
        const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
        const info = { name: n, size: data.length, digest, modified: new Date().toISOString() };
        container(c).set(n, { data: Uint8Array.from(data), info });
      }),
    get: (c, n) =>
      run(() => {
        checkBlobArgs(c, n);
        const o = container(c).get(n);
        return o && Uint8Array.from(o.data);
      }),
    info: (c, n) =>
      run(() => {
        checkBlobArgs(c, n);
        const o = container(c).get(n);
        return o && { ...o.info };
      }),
    exists: (c, n) =>
      run(() => {
        checkBlobArgs(c, n);
        return container(c).has(n);
      }),
    delete: (c, n) =>
      run(() => {
        checkBlobArgs(c, n);
        container(c).delete(n);
      }),
    list: (c, cursor) =>
      run(() => {
        checkBlobArgs(c);
        const page = pageOf(container(c).keys(), cursor, pageSize);
        return { names: page.keys, cursor: page.cursor };
      }),
    close: () => {
      containers.clear();
      return Promise.resolve();
    },
  };
}

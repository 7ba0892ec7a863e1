// The contract every blob store passes (memory and NATS object store).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { BlobStore } from '../../src/providers/index.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
let n = 0;
const fresh = (): string => `c${Date.now().toString(36)}_${n++}`;

/** Runs the blob store contract; `setup` returns a store with a page size of 10 and a 4 MiB limit. */
export function blobStoreContract(
  name: string,
  setup: () => Promise<{ store: BlobStore; teardown(): Promise<void> }>,
): void {
  describe(`blob store contract: ${name}`, { timeout: 60_000 }, () => {
    let s: { store: BlobStore; teardown(): Promise<void> };
    let blobs: BlobStore;
    before(async () => {
      s = await setup();
      blobs = s.store;
    });
    after(() => s.teardown());

    it('put, get, info, exists, replace and delete', async () => {
      const c = fresh();
      assert.equal(await blobs.get(c, 'a.txt'), undefined);
      assert.equal(await blobs.exists(c, 'a.txt'), false);
      assert.equal(await blobs.info(c, 'a.txt'), undefined);
      await blobs.put(c, 'a.txt', utf8('first'));
      await blobs.put(c, 'a.txt', utf8('second'));
      assert.deepEqual(await blobs.get(c, 'a.txt'), utf8('second'));
      const info = await blobs.info(c, 'a.txt');
      assert.equal(info?.size, 6);
      assert.equal(info?.digest, `sha256:${createHash('sha256').update('second').digest('hex')}`);
      assert.ok(!Number.isNaN(Date.parse(info?.modified ?? '')));
      await blobs.delete(c, 'a.txt');
      assert.equal(await blobs.exists(c, 'a.txt'), false);
      assert.equal(await blobs.get(c, 'a.txt'), undefined);
      await blobs.delete(c, 'never-there');
    });

    it('stores large and empty objects byte for byte', async () => {
      const c = fresh();
      const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 7) % 256);
      await blobs.put(c, 'big.bin', big);
      assert.deepEqual(await blobs.get(c, 'big.bin'), big);
      await blobs.put(c, 'empty', new Uint8Array());
      assert.deepEqual(await blobs.get(c, 'empty'), new Uint8Array());
      assert.equal(await blobs.exists(c, 'empty'), true);
    });

    it('lists names in order, page by page, without deleted objects', async () => {
      const c = fresh();
      assert.deepEqual(await blobs.list(c), { names: [], cursor: undefined });
      const names = Array.from(
        { length: 13 },
        (_, i) => `dir/file ${String(i).padStart(2, '0')}.txt`,
      );
      for (const name of names) await blobs.put(c, name, utf8(name));
      await blobs.delete(c, names[4]!);
      const first = await blobs.list(c);
      assert.equal(first.names.length, 10);
      const second = await blobs.list(c, first.cursor);
      assert.equal(second.cursor, undefined);
      assert.deepEqual(
        [...first.names, ...second.names],
        names.filter((_, i) => i !== 4),
      );
    });

    it('rejects bad names with BLOB_INVALID and oversized objects with BLOB_TOO_LARGE', async () => {
      await assert.rejects(blobs.put('bad name', 'x', utf8('x')), { code: 'BLOB_INVALID' });
      await assert.rejects(blobs.get(fresh(), ''), { code: 'BLOB_INVALID' });
      await assert.rejects(blobs.put(fresh(), 'huge', new Uint8Array(4 * 1024 * 1024 + 1)), {
        code: 'BLOB_TOO_LARGE',
      });
    });
  });
}

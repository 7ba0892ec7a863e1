// The one contract every key-value backend passes. Each backend's test file calls
// `keyValueContract` with a factory for its store (page size 10) and a second client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KV_LIMITS, type KeyValueStore } from '../../src/providers/index.ts';

/** What a backend's test supplies: two clients of the same store, with a page size of 10. */
export interface ContractSubject {
  store: KeyValueStore;
  /** A second, independent client of the same backend (a second connection where there is one). */
  other: KeyValueStore;
  teardown(): Promise<void>;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : new TextDecoder().decode(b);

/** Asserts that `p` rejects with a key-value error of `code`. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, code, String(err));
    return true;
  });
}

let counter = 0;
/** A bucket name no other test uses. */
const freshBucket = (): string => `c${Date.now().toString(36)}_${counter++}`;

/** Lists every key of `bucket` page by page, checking the paging rules on the way. */
async function listAll(store: KeyValueStore, bucket: string): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listKeys(bucket, cursor);
    assert.ok(page.keys.length <= 10, `a page holds at most 10 keys, got ${page.keys.length}`);
    pages.push(page.keys);
    cursor = page.cursor;
    assert.ok(pages.length < 1000, 'listing terminates');
  } while (cursor !== undefined);
  return pages;
}

export function keyValueContract(name: string, setup: () => Promise<ContractSubject>): void {
  describe(`key-value contract: ${name}`, { timeout: 120_000 }, () => {
    let subject: ContractSubject;
    let kv: KeyValueStore;
    before(async () => {
      subject = await setup();
      kv = subject.store;
    });
    after(async () => {
      await subject.teardown();
    });

    it('get of an absent key is undefined; set then get returns the same bytes', async () => {
      const b = freshBucket();
      assert.equal(await kv.get(b, 'missing'), undefined);
      const bytes = Uint8Array.from([0, 1, 2, 255, 254, 0, 10, 13]);
      await kv.set(b, 'bin', bytes);
      assert.deepEqual(await kv.get(b, 'bin'), bytes);
      await kv.set(b, 'bin', utf8('second'));
      assert.equal(text(await kv.get(b, 'bin')), 'second');
      await kv.set(b, 'empty', new Uint8Array());
      assert.deepEqual(await kv.get(b, 'empty'), new Uint8Array());
      assert.equal(await kv.exists(b, 'empty'), true);
    });

    it('the other client sees writes at once (read your writes across clients)', async () => {
      const b = freshBucket();
      for (let i = 0; i < 5; i++) {
        await kv.set(b, 'k', utf8(`v${i}`));
        assert.equal(text(await subject.other.get(b, 'k')), `v${i}`);
      }
    });

    it('exists and delete; deleting an absent key succeeds', async () => {
      const b = freshBucket();
      assert.equal(await kv.exists(b, 'k'), false);
      await kv.set(b, 'k', utf8('v'));
      assert.equal(await kv.exists(b, 'k'), true);
      await kv.delete(b, 'k');
      assert.equal(await kv.exists(b, 'k'), false);
      assert.equal(await kv.get(b, 'k'), undefined);
      await kv.delete(b, 'k');
      await kv.delete(b, 'never-there');
    });

    it('buckets are separate namespaces', async () => {
      const [b1, b2] = [freshBucket(), freshBucket()];
      await kv.set(b1, 'k', utf8('one'));
      await kv.set(b2, 'k', utf8('two'));
      assert.equal(text(await kv.get(b1, 'k')), 'one');
      assert.equal(text(await kv.get(b2, 'k')), 'two');
      await kv.delete(b1, 'k');
      assert.equal(text(await kv.get(b2, 'k')), 'two');
      assert.deepEqual((await kv.listKeys(b1)).keys, []);
    });

    it('keys may hold any characters and round-trip exactly through listKeys', async () => {
      const b = freshBucket();
      const longKey = '€'.repeat(Math.floor(KV_LIMITS.maxKeyBytes / 3));
      const keys = [
        'user:1',
        'a b',
        'a.b',
        '.lead',
        'trail.',
        'x..y',
        '*',
        '>',
        '=3D',
        'ü/ñ',
        '🚀',
        longKey,
      ];
      for (const k of keys) await kv.set(b, k, utf8(k));
      for (const k of keys) assert.equal(text(await kv.get(b, k)), k, `key ${k}`);
      assert.deepEqual((await listAll(kv, b)).flat(), [...keys].sort());
    });

    it('rejects invalid bucket names, keys and values with KV_INVALID', async () => {
      for (const bad of ['', 'a b', 'a.b', 'a*', 'x'.repeat(KV_LIMITS.maxBucketChars + 1)]) {
        await rejectsWith(kv.get(bad, 'k'), 'KV_INVALID');
      }
      const b = freshBucket();
      await rejectsWith(kv.set(b, '', utf8('v')), 'KV_INVALID');
      await rejectsWith(kv.get(b, 'k'.repeat(KV_LIMITS.maxKeyBytes + 1)), 'KV_INVALID');
      await rejectsWith(
        kv.set(b, 'big', new Uint8Array(KV_LIMITS.maxValueBytes + 1)),
        'KV_INVALID',
      );
      await rejectsWith(kv.increment(b, 'n', 2n ** 63n), 'KV_INVALID');
      assert.equal(await kv.exists(b, 'big'), false);
    });

    it('stores a value of the maximum size', async () => {
      const b = freshBucket();
      const big = new Uint8Array(KV_LIMITS.maxValueBytes).map((_, i) => i % 251);
      await kv.set(b, 'big', big);
      assert.deepEqual(await kv.get(b, 'big'), big);
    });

    it('listKeys pages in ascending order with a cursor, skipping deleted keys', async () => {
      const b = freshBucket();
      assert.deepEqual(await kv.listKeys(b), { keys: [], cursor: undefined });
      const keys = Array.from({ length: 25 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((k) => kv.set(b, k, utf8(k))));
      await kv.delete(b, 'key-03');
      await kv.delete(b, 'key-20');
      const expected = keys.filter((k) => k !== 'key-03' && k !== 'key-20');
      const pages = await listAll(kv, b);
      assert.deepEqual(pages.flat(), expected);
      assert.deepEqual(
        pages.map((p) => p.length),
        [10, 10, 3],
      );
      // Exactly ten keys: one full page and no cursor.
      const ten = freshBucket();
      await Promise.all(keys.slice(0, 10).map((k) => kv.set(ten, k, utf8(k))));
      const only = await kv.listKeys(ten);
      assert.equal(only.keys.length, 10);
      assert.equal(only.cursor, undefined);
    });

    it('a key added during a listing after the cursor shows up; keys listed before stay listed once', async () => {
      const b = freshBucket();
      const keys = Array.from({ length: 15 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((k) => kv.set(b, k, utf8(k))));
      const first = await kv.listKeys(b);
      assert.ok(first.cursor !== undefined);
      await kv.set(b, 'k99', utf8('late'));
      await kv.set(b, 'a-before-cursor', utf8('early'));
      const second = await kv.listKeys(b, first.cursor);
      assert.deepEqual([...first.keys, ...second.keys], [...keys, 'k99']);
    });

    it('increment counts from 0, adds negative deltas and stores decimal text', async () => {
      const b = freshBucket();
      assert.equal(await kv.increment(b, 'n', 1n), 1n);
      assert.equal(await kv.increment(b, 'n', 41n), 42n);
      assert.equal(await kv.increment(b, 'n', -50n), -8n);
      assert.equal(await kv.increment(b, 'n', 0n), -8n);
      assert.equal(text(await kv.get(b, 'n')), '-8');
      await kv.set(b, 'm', utf8('100'));
      assert.equal(await kv.increment(b, 'm', 5n), 105n);
      await kv.set(b, 'big', utf8((2n ** 62n).toString()));
      assert.equal(await kv.increment(b, 'big', 2n ** 62n - 1n), 2n ** 63n - 1n);
      await rejectsWith(kv.increment(b, 'big', 1n), 'KV_INVALID');
      assert.equal(text(await kv.get(b, 'big')), (2n ** 63n - 1n).toString());
    });

    it('increment of a value that is not an integer fails with KV_NOT_INTEGER and changes nothing', async () => {
      const b = freshBucket();
      for (const v of ['abc', '1.5', ' 1', '', '007', '+1', '-0', '1e3', '99999999999999999999']) {
        await kv.set(b, 'x', utf8(v));
        await rejectsWith(kv.increment(b, 'x', 1n), 'KV_NOT_INTEGER');
        assert.equal(text(await kv.get(b, 'x')), v);
      }
    });

    it('concurrent increments from two clients lose no update', async () => {
      const b = freshBucket();
      const clients = [kv, subject.other];
      const n = 40;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => clients[i % 2]!.increment(b, 'hits', 1n)),
      );
      assert.equal(await kv.increment(b, 'hits', 0n), BigInt(n));
      // Every increment saw a distinct value: 1..n.
      assert.deepEqual(
        results.map(Number).sort((x, y) => x - y),
        Array.from({ length: n }, (_, i) => i + 1),
      );
    });

    it('compare-and-swap writes only when the current value matches', async () => {
      const b = freshBucket();
      assert.equal(await kv.compareAndSwap(b, 'k', utf8('x'), utf8('no')), false);
      assert.equal(await kv.exists(b, 'k'), false);
      assert.equal(await kv.compareAndSwap(b, 'k', undefined, utf8('v1')), true);
      assert.equal(await kv.compareAndSwap(b, 'k', undefined, utf8('again')), false);
      assert.equal(await kv.compareAndSwap(b, 'k', utf8('v0'), utf8('v2')), false);
      assert.equal(text(await kv.get(b, 'k')), 'v1');
      assert.equal(await kv.compareAndSwap(b, 'k', utf8('v1'), utf8('v2')), true);
      assert.equal(text(await kv.get(b, 'k')), 'v2');
      await kv.delete(b, 'k');
      assert.equal(await kv.compareAndSwap(b, 'k', utf8('v2'), utf8('v3')), false);
      assert.equal(await kv.compareAndSwap(b, 'k', undefined, utf8('v3')), true);
      assert.equal(text(await kv.get(b, 'k')), 'v3');
      // An empty value is a value, not absence.
      await kv.set(b, 'e', new Uint8Array());
      assert.equal(await kv.compareAndSwap(b, 'e', undefined, utf8('no')), false);
      assert.equal(await kv.compareAndSwap(b, 'e', new Uint8Array(), utf8('yes')), true);
    });

    it('of concurrent compare-and-swaps from the same value, exactly one wins', async () => {
      const b = freshBucket();
      await kv.set(b, 'lock', utf8('free'));
      const clients = [kv, subject.other];
      const wins = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          clients[i % 2]!.compareAndSwap(b, 'lock', utf8('free'), utf8(`owner-${i}`)),
        ),
      );
      const winners = wins.flatMap((w, i) => (w ? [i] : []));
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      assert.equal(text(await kv.get(b, 'lock')), `owner-${winners[0]}`);
    });

    it('behaves like a map under random operation sequences (model check)', async () => {
      const key = fc.constantFrom('a', 'b', 'c:d');
      const value = fc.constantFrom('1', '2', 'x', '');
      const op = fc.oneof(
        fc.record({ op: fc.constant('set' as const), key, value }),
        fc.record({ op: fc.constant('delete' as const), key }),
        fc.record({ op: fc.constant('incr' as const), key, delta: fc.bigInt(-3n, 3n) }),
        fc.record({
          op: fc.constant('cas' as const),
          key,
          expected: fc.option(value, { nil: undefined }),
          value,
        }),
      );
      // One bucket for every run (creating a replicated bucket is slow); each run owns a key prefix.
      const b = freshBucket();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 15 }), async (ops) => {
          const p = `r${run++}/`;
          const model = new Map<string, string>();
          for (const o of ops) {
            switch (o.op) {
              case 'set':
                await kv.set(b, p + o.key, utf8(o.value));
                model.set(o.key, o.value);
                break;
              case 'delete':
                await kv.delete(b, p + o.key);
                model.delete(o.key);
                break;
              case 'incr': {
                const cur = model.get(o.key) ?? '0';
                if (/^(0|-?[1-9][0-9]*)$/.test(cur)) {
                  const next = BigInt(cur) + o.delta;
                  assert.equal(await kv.increment(b, p + o.key, o.delta), next);
                  model.set(o.key, next.toString());
                } else {
                  await rejectsWith(kv.increment(b, p + o.key, o.delta), 'KV_NOT_INTEGER');
                }
                break;
              }
              case 'cas': {
                const expect = model.get(o.key) === o.expected;
                const ok = await kv.compareAndSwap(
                  b,
                  p + o.key,
                  o.expected === undefined ? undefined : utf8(o.expected),
                  utf8(o.value),
                );
                assert.equal(ok, expect);
                if (ok) model.set(o.key, o.value);
                break;
              }
            }
          }
          for (const k of ['a', 'b', 'c:d'])
            assert.equal(text(await kv.get(b, p + k)), model.get(k));
          const listed = (await listAll(kv, b)).flat().filter((k) => k.startsWith(p));
          assert.deepEqual(listed, [...model.keys()].map((k) => p + k).sort());
        }),
        { numRuns: 15 },
      );
    });
  });
}

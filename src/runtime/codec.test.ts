import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decode, encode, type Value } from './codec.ts';

const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.string({ unit: 'binary' }),
    fc.uint8Array(),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('v'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;

describe('codec', () => {
  it('round-trips every value WIT bindings produce', () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.deepEqual(decode(encode(v)), v);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps 64-bit integers exact at both ends of s64 and u64', () => {
    for (const n of [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n, 2n ** 64n - 1n])
      assert.equal(decode(encode(n)), n);
  });

  it('refuses functions and trailing garbage', () => {
    assert.throws(() => encode((() => 1) as unknown as Value), TypeError);
    const bytes = encode('x');
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => decode(longer), /trailing bytes/);
    assert.throws(() => decode(new Uint8Array([42])), /bad value tag 42/);
  });
});

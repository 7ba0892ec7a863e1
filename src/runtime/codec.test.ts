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

  it('round-trips strings on both sides of the short-ASCII fast path', () => {
    const cases = [
      '',
      'a'.repeat(64),
      'a'.repeat(65),
      'a'.repeat(63) + 'é',
      'é' + 'a'.repeat(10),
      '\u007f\u0000',
      '😀',
      'x'.repeat(63) + '\u0080',
    ];
    for (const s of cases) assert.equal(decode(encode(s)), s);
    assert.deepEqual(decode(encode({ ключ: 'значение', k: 'v' })), { ключ: 'значение', k: 'v' });
  });

  it('keeps a key named __proto__ as a key', () => {
    const v = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Value;
    const out = decode(encode(v)) as Record<string, Value>;
    assert.deepEqual(Object.keys(out), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('encodes values independently (the reused buffer never leaks into results)', () => {
    const a = encode('first');
    const b = encode(new Uint8Array(100_000));
    const c = encode('second');
    assert.equal(decode(a), 'first');
    assert.equal((decode(b) as Uint8Array).length, 100_000);
    assert.equal(decode(c), 'second');
  });

  it('refuses a string or byte array that runs past the end', () => {
    const s = encode('hello');
    assert.throws(() => decode(s.subarray(0, s.length - 1)), /runs past the end/);
    const b = encode(new Uint8Array([1, 2, 3]));
    assert.throws(() => decode(b.subarray(0, b.length - 1)), /runs past the end/);
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

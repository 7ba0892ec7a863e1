import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeNatsKey, encodeNatsKey } from './nats-keys.ts';

describe('NATS key encoding', () => {
  it('keeps plain keys and escapes the rest', () => {
    assert.equal(encodeNatsKey('todo/42_a-b'), 'todo/42_a-b');
    assert.equal(encodeNatsKey('user:1'), 'user=3A1');
    assert.equal(encodeNatsKey('a.b'), 'a=2Eb');
    assert.equal(encodeNatsKey('='), '=3D');
    assert.equal(encodeNatsKey('ü'), '=C3=BC');
  });

  it('round-trips every string and yields only valid NATS KV key characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (key) => {
        const enc = encodeNatsKey(key);
        assert.match(enc, /^[-/=\w]+$/);
        assert.equal(decodeNatsKey(enc), key);
      }),
    );
  });
});

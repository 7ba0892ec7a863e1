import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeCapabilityCall,
  decodeCapabilityResult,
  encodeCapabilityCall,
  encodeCapabilityResult,
} from './capability-codec.ts';

describe('capability wire codec', () => {
  it('round-trips bytes, 64-bit integers, absent options, records and lists', () => {
    const value = {
      keys: ['a', 'b'],
      cursor: undefined,
      n: -9007199254740993n,
      body: new Uint8Array([0, 255, 7]),
    };
    assert.deepEqual(decodeCapabilityResult(encodeCapabilityResult(value)), value);
  });

  it('property: any call survives the wire unchanged', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.bigInt(),
      fc.uint8Array({ maxLength: 40 }),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            leaf,
            fc.array(leaf, { maxLength: 4 }),
            fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/), leaf, {
              noNullPrototype: true,
            }),
          ),
          { maxLength: 5 },
        ),
        (args) => {
          const call = {
            component: 'c',
            interface: 'keyvalue',
            function: 'set',
            args,
            link: { name: 'default', config: { bucket: 'x' } },
          };
          assert.deepEqual(decodeCapabilityCall(encodeCapabilityCall(call)), call);
        },
      ),
    );
  });

  it('rejects a malformed call with the field that is wrong', () => {
    assert.throws(() => decodeCapabilityCall(new TextEncoder().encode('{"component":1}')), {
      code: 'INVALID_REQUEST',
    });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { linkServes } from './providers.ts';

describe('linkServes', () => {
  it('binds Aloft, WASI and wasmCloud interface names to the component import they mean', () => {
    assert.ok(linkServes('aloft:platform/keyvalue@0.1.0', 'keyvalue'));
    assert.ok(linkServes('keyvalue', 'keyvalue'));
    assert.ok(linkServes('wasi:keyvalue/store', 'keyvalue'));
    assert.ok(linkServes('wasi:keyvalue/atomics', 'keyvalue'));
    assert.ok(linkServes('wasmcloud:messaging/consumer', 'messaging'));
    assert.ok(linkServes('wasi:http/outgoing-handler', 'outgoing-http'));
    assert.equal(linkServes('wasi:keyvalue/store', 'messaging'), false);
    assert.equal(linkServes('wasi:http/incoming-handler', 'outgoing-http'), false);
  });
});

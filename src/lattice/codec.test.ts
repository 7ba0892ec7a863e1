import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJson, encodeJson } from './codec.ts';
import { errorFromHeaders, errorHeaders } from './errors.ts';
import { ComponentScaleRequest, Heartbeat } from './schemas.ts';
import { AloftError } from '../support/index.ts';
import { makeEvent, eventType, CloudEvent } from './events.ts';

describe('codec and schemas', () => {
  it('names the offending field of an invalid request', () => {
    const bytes = encodeJson({ name: 'orders', count: 'three' });
    assert.throws(() => decodeJson(bytes, ComponentScaleRequest, 'component.scale request'), {
      code: 'INVALID_REQUEST',
      message: /component\.scale request: count: .*number/,
    });
  });

  it('rejects bytes that are not JSON without throwing anything else', () => {
    assert.throws(() => decodeJson(new Uint8Array([0xff, 0x00]), Heartbeat, 'heartbeat'), {
      code: 'INVALID_REQUEST',
    });
  });

  it('ignores unknown fields (additive evolution within a version)', () => {
    const v = decodeJson(
      encodeJson({ name: 'a', count: 2, future: true }),
      ComponentScaleRequest,
      'x',
    );
    assert.deepEqual(v, { name: 'a', count: 2 });
  });

  it('carries an error code, message and retryability through headers', () => {
    const h = errorHeaders(
      new AloftError('COMPONENT_TIMEOUT', 'took\ntoo long', { retryable: true }),
    );
    const back = errorFromHeaders(h);
    assert.equal(back?.code, 'COMPONENT_TIMEOUT');
    assert.equal(back?.message, 'took too long');
    assert.equal(back?.retryable, true);
    assert.equal(errorFromHeaders(undefined), undefined);
  });

  it('builds valid CloudEvents 1.0', () => {
    const e = makeEvent(
      'host_lost',
      'aloft://default/observer/x',
      { hostId: 'H' },
      { subject: 'H' },
    );
    assert.ok(CloudEvent.safeParse(e).success);
    assert.equal(e.type, 'dev.aloft.host_lost');
    assert.equal(eventType(e), 'host_lost');
    assert.notEqual(e.id, makeEvent('host_lost', 's', {}).id);
  });
});

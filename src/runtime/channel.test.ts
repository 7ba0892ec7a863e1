import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createChannelBuffers, GuestEnd, HostEnd } from './channel.ts';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

/** Both ends on one thread: the guest never waits here, since every request is already posted. */
function pair(depth: number) {
  const buffers = createChannelBuffers(depth, 1024);
  const responses: [number, number[]][] = [];
  const host = new HostEnd(buffers, {
    onHostCall: () => Promise.resolve(bytes()),
    onResponse: (seq, response) => responses.push([seq, [...response]]),
  });
  return { host, guest: new GuestEnd(buffers), responses };
}

describe('channel: taking back a request the worker has not started', () => {
  it('a cancelled request never reaches the guest; its slot is answered empty, in order', () => {
    const { host, guest, responses } = pair(4);
    assert.equal(host.post(bytes(10)), 0);
    assert.equal(host.post(bytes(11)), 1);
    assert.equal(host.post(bytes(12)), 2);
    assert.equal(host.cancel(1), true);
    assert.equal(host.cancel(1), false, 'only once');
    assert.deepEqual([...guest.nextRequest()], [10]);
    assert.equal(host.cancel(0), false, 'started: it runs');
    guest.respond(bytes(20));
    assert.deepEqual([...guest.nextRequest()], [12], 'the cancelled one is skipped');
    assert.equal(host.started, 3);
    guest.respond(bytes(22));
    host.collect();
    assert.deepEqual(responses, [
      [0, [20]],
      [1, []],
      [2, [22]],
    ]);
    assert.equal(host.outstanding, 0);
    assert.equal(host.cancel(2), false, 'finished');
    host.close();
  });

  it('a slot whose request was cancelled carries the next request normally', () => {
    const { host, guest, responses } = pair(2);
    host.post(bytes(1));
    host.post(bytes(2));
    assert.equal(host.cancel(0), true);
    assert.deepEqual([...guest.nextRequest()], [2]);
    guest.respond(bytes(4));
    host.collect();
    assert.equal(host.post(bytes(3)), 2, 'back in slot 0');
    assert.deepEqual([...guest.nextRequest()], [3]);
    guest.respond(bytes(6));
    host.collect();
    assert.deepEqual(responses, [
      [0, []],
      [1, [4]],
      [2, [6]],
    ]);
    host.close();
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import { watchBucket } from './state.ts';

/**
 * A bucket whose stream is unknown to the server for its first `failures` requests (watches too,
 * unless `watchesWork`).
 */
function lateBucket(
  failures: number,
  watchesWork = false,
): KV & { calls: number; stopped: number } {
  let calls = 0;
  let stopped = 0;
  const fail = (isWatch = false): void => {
    calls++;
    if (calls <= failures && !(isWatch && watchesWork)) throw new Error('stream not found');
  };
  const kv = {
    get calls() {
      return calls;
    },
    get stopped() {
      return stopped;
    },
    watch: () => {
      fail(true);
      return Promise.resolve({ stop: () => void stopped++ });
    },
    status: () => {
      fail();
      return Promise.resolve({ values: 3 });
    },
  };
  return kv as unknown as KV & { calls: number; stopped: number };
}

const nc = { info: undefined, options: {} } as unknown as NatsConnection;

describe('watchBucket', () => {
  it('waits out a stream that a clustered server does not know yet', async () => {
    const kv = lateBucket(3);
    const { initialPending } = await watchBucket(nc, kv, 'state', 10);
    assert.equal(initialPending, 3);
    assert.ok(kv.calls >= 4);
  });

  it('stops each watch made before the status failed, and gives up after its attempts', async () => {
    const kv = lateBucket(100, true);
    await assert.rejects(watchBucket(nc, kv, 'state', 3), /stream not found/);
    assert.equal(kv.calls, 6, 'a watch and a status per attempt');
    assert.equal(kv.stopped, 3, 'no watch left behind');
  });
});

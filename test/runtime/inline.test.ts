// Short invocations of a small, fuel-metered component run on the host thread (no thread hop);
// anything else ends up in a worker, exactly once, as if it had never been tried there.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delay, isAloftError, pollUntil } from '../../src/support/index.ts';
import {
  GuestError,
  createRuntime,
  memoryCapabilities,
  type LoadedComponent,
} from '../../src/runtime/index.ts';
import { dec, enc, fixture } from './fixtures.ts';

const none = new Uint8Array(0);

/** The probe's answer to an operation it does not have: its own `err`, not a runtime error. */
const noSuchOperation = (err: unknown): boolean =>
  err instanceof GuestError && err.guestCode === 'NO_SUCH_OPERATION';

/**
 * Calls `echo` until one is answered on the host thread again: after a guest used more than the
 * component's share of it (a spin, a memory bomb), its budget refills over some ms.
 */
function untilOnHostThread(c: LoadedComponent): Promise<true> {
  return pollUntil(
    async () => {
      const before = c.stats().inlineCalls;
      assert.deepEqual(await c.call('echo', enc.encode('e')), enc.encode('e'));
      return c.stats().inlineCalls > before ? true : undefined;
    },
    { timeoutMs: 5_000, intervalMs: 10, what: 'an invocation on the host thread' },
  );
}

describe('invocations on the host thread', () => {
  it('answers short invocations without a worker', async () => {
    const caps = memoryCapabilities();
    const runtime = createRuntime({ capabilities: caps.handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), { name: 'quick' });
      for (let i = 0; i < 50; i++) {
        const payload = enc.encode(`ping ${i}`);
        // Answered before the call returns its promise: nothing was handed to a thread.
        let answered = false;
        const call = c.call('echo', payload).then((out) => {
          answered = true;
          return out;
        });
        await Promise.resolve();
        await Promise.resolve();
        assert.equal(answered, true, 'settled within the same turn of the event loop');
        assert.deepEqual(await call, payload);
      }
      await c.call('log', enc.encode('from the host thread'));
      const stats = c.stats();
      assert.equal(stats.inlineCalls, 51);
      assert.equal(stats.inlineFallbacks, 0);
      assert.deepEqual(
        caps.logs.map((l) => [l.component, l.message]),
        [['quick', 'from the host thread']],
      );
    } finally {
      await runtime.close();
    }
  });

  it('moves an invocation that calls a capability to a worker, where it runs once', async () => {
    const caps = memoryCapabilities();
    const runtime = createRuntime({ capabilities: caps.handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), { name: 'counter' });
      for (let i = 1; i <= 5; i++) {
        assert.equal(dec.decode(await c.call('kv-incr', enc.encode('n'))), String(i));
      }
      // Each increment happened once: the attempt on the host thread stopped at the call.
      assert.equal(caps.calls.filter((call) => call.function === 'increment').length, 5);
      const stats = c.stats();
      // Tried there once; from then on that operation goes straight to workers.
      assert.equal(stats.inlineFallbacks, 1);
      assert.equal(stats.inlineCalls, 0);
      // Other operations still run on the host thread.
      assert.deepEqual(await c.call('echo', enc.encode('x')), enc.encode('x'));
      assert.equal(c.stats().inlineCalls, 1);
    } finally {
      await runtime.close();
    }
  });

  it('stops a spinning guest after its fuel, well before the host thread would notice', async (t) => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'spinner',
        limits: { timeoutMs: 300 },
      });
      assert.deepEqual(await c.call('echo', enc.encode('warm')), enc.encode('warm'));
      // The host-thread attempt runs synchronously inside call(): time it there.
      const t0 = performance.now();
      const spin = c.call('spin', none);
      const held = performance.now() - t0;
      t.diagnostic(`host thread held ${held.toFixed(2)} ms by a spinning guest`);
      await assert.rejects(spin, (err) => isAloftError(err, 'COMPONENT_TIMEOUT'));
      assert.ok(held < 100, `the host thread was held ${held.toFixed(1)} ms`);
      const stats = c.stats();
      assert.equal(stats.inlineFallbacks, 1);
      assert.equal(stats.timeouts, 1, 'the worker ran it to its deadline');
      // The instance on the host thread is replaced and keeps answering.
      await untilOnHostThread(c);
    } finally {
      await runtime.close();
    }
  });

  it('reports a trap from the worker, and keeps serving on a fresh instance', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'hog',
        limits: { memoryLimitBytes: 16 * 1024 * 1024, timeoutMs: 20_000 },
      });
      assert.equal(dec.decode(await c.call('count', none)), '1');
      await assert.rejects(c.call('alloc', none), (err) => isAloftError(err, 'COMPONENT_TRAP'));
      assert.equal(c.stats().inlineFallbacks, 1);
      // A fresh instance on the host thread: its counter starts over.
      await untilOnHostThread(c);
      const served = c.stats().inlineCalls;
      assert.equal(dec.decode(await c.call('count', none)), '1');
      assert.equal(c.stats().inlineCalls, served + 1, 'counted on the host thread');
    } finally {
      await runtime.close();
    }
  });

  it('stops running a component here once callers have named 1,000 operations', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), { name: 'names' });
      // Distinct names until 1,000 ran here (a name sent to a worker while the component was over
      // its share of the host thread is not tracked, so it may take a few more).
      let i = 0;
      while (c.stats().inlineCalls < 1000) {
        assert.ok(i < 20_000, `only ${c.stats().inlineCalls} of ${i} names ran on the host thread`);
        await assert.rejects(c.call(`nope-${i++}`, none), noSuchOperation);
      }
      // From then on every operation goes to workers, and is still answered: probed for a second,
      // long enough for any share of the host thread to have refilled many times over.
      await assert.rejects(c.call(`nope-${i}`, none), noSuchOperation);
      for (let probe = 0; probe < 20; probe++) {
        await delay(50);
        assert.deepEqual(await c.call('echo', enc.encode('w')), enc.encode('w'));
      }
      assert.equal(c.stats().inlineCalls, 1000);
    } finally {
      await runtime.close();
    }
  });

  it('leaves a large component to its workers, and honours inlineFuel: 0', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const ts = await runtime.load(await fixture('probe-ts'), { name: 'big' });
      assert.deepEqual(await ts.call('echo', enc.encode('a')), enc.encode('a'));
      assert.equal(ts.stats().inlineCalls, 0);
      const off = await runtime.load(await fixture('probe-as'), {
        name: 'off',
        limits: { inlineFuel: 0 },
      });
      assert.deepEqual(await off.call('echo', enc.encode('b')), enc.encode('b'));
      assert.equal(off.stats().inlineCalls, 0);
      assert.equal(off.stats().inlineFallbacks, 0);
    } finally {
      await runtime.close();
    }
  });
});

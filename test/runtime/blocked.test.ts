// Instances whose guest waits on a slow capability call (I/O, not CPU) must not starve other work.
// These exercise the worker pool: nothing runs on the host thread (`inlineFuel: 0`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred, isAloftError, pollUntil } from '../../src/support/index.ts';
import { ComponentError, createRuntime, memoryCapabilities } from '../../src/runtime/index.ts';
import { dec, enc, fixture } from './fixtures.ts';

/** A runtime whose `lattice` capability answers only when the test opens the gate. */
function gatedRuntime(): { runtime: ReturnType<typeof createRuntime>; open: () => void } {
  let gate = deferred<void>();
  const caps = memoryCapabilities({
    forward: async (call) => {
      await gate.promise;
      return enc.encode(
        `done ${String(call.args[2] instanceof Uint8Array ? dec.decode(call.args[2]) : '')}`,
      );
    },
  });
  return {
    runtime: createRuntime({ capabilities: caps.handler }),
    open: () => {
      gate.resolve();
      gate = deferred<void>();
    },
  };
}

const waitFor = (what: string, ok: () => boolean): Promise<true> =>
  pollUntil(() => (ok() ? true : undefined), { timeoutMs: 5_000, intervalMs: 5, what });

describe('instances blocked on capability calls', () => {
  it('start one more instance per blocked one, within overflowInstances, and stop it once idle', async () => {
    const { runtime, open } = gatedRuntime();
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'blocked',
        limits: {
          inlineFuel: 0,
          maxInstances: 1,
          minInstances: 1,
          overflowInstances: 2,
          timeoutMs: 10_000,
        },
      });
      const slow = [c.call('call', enc.encode('other:op:a'))];
      await waitFor('the first call to block', () => c.stats().blocked === 1);
      const t0 = performance.now();
      assert.deepEqual(await c.call('echo', new Uint8Array([1])), new Uint8Array([1]));
      assert.ok(performance.now() - t0 < 3_000, 'served without waiting for the blocked call');
      assert.equal(c.stats().instances, 2);

      slow.push(c.call('call', enc.encode('other:op:b')));
      await waitFor('the second call to block', () => c.stats().blocked === 2);
      assert.deepEqual(await c.call('echo', new Uint8Array([2])), new Uint8Array([2]));
      slow.push(c.call('call', enc.encode('other:op:c')));
      await waitFor('the third call to block', () => c.stats().blocked === 3);
      assert.equal(c.stats().instances, 3, 'maxInstances + overflowInstances');

      // The overflow is used up: the next call waits for a slot, and never runs.
      await assert.rejects(
        c.call('echo', new Uint8Array([3]), { timeoutMs: 300 }),
        (err) =>
          isAloftError(err, 'COMPONENT_TIMEOUT') &&
          err instanceof ComponentError &&
          err.started === false,
      );

      open();
      assert.deepEqual(
        (await Promise.all(slow)).map((r) => dec.decode(r)),
        ['done a', 'done b', 'done c'],
      );
      await waitFor('the extra instances to stop', () => c.stats().instances === 1);
      assert.deepEqual(await c.call('echo', new Uint8Array([4])), new Uint8Array([4]));
    } finally {
      open();
      await runtime.close();
    }
  });

  it('instances started for blocked calls stop once the calls answer, even while load keeps every instance busy', async () => {
    const { runtime, open } = gatedRuntime();
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'retire',
        limits: {
          inlineFuel: 0,
          maxInstances: 1,
          minInstances: 1,
          overflowInstances: 2,
          timeoutMs: 10_000,
        },
      });
      const slow = [c.call('call', enc.encode('other:op:a'))];
      await waitFor('the first call to block', () => c.stats().blocked === 1);
      slow.push(c.call('call', enc.encode('other:op:b')));
      await waitFor('the second call to block', () => c.stats().blocked === 2);
      await waitFor('the pool to grow', () => c.stats().instances === 3);
      open();
      await Promise.all(slow);
      // Three callers without pause: each instance always has work, so none is ever idle.
      let running = true;
      let calls = 0;
      const caller = async (): Promise<void> => {
        for (let n = 0; running; n++) {
          const out = await c.call('echo', new Uint8Array([n & 0xff]));
          assert.deepEqual(out, new Uint8Array([n & 0xff]));
          calls++;
        }
      };
      const load = Promise.all([caller(), caller(), caller()]);
      try {
        await waitFor('the pool back at maxInstances under load', () => c.stats().instances === 1);
        const before = calls;
        await waitFor('calls still answered', () => calls > before + 100);
        assert.equal(c.stats().instances, 1, 'no instance started again for short calls');
        assert.ok(c.stats().retired >= 2, `retired ${c.stats().retired}`);
      } finally {
        running = false;
        await load;
      }
    } finally {
      open();
      await runtime.close();
    }
  });

  it('a call that timed out waiting in an instance ring is taken back: it never runs, and says so', async () => {
    const { runtime, open } = gatedRuntime();
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'ring',
        limits: {
          inlineFuel: 0,
          maxInstances: 1,
          overflowInstances: 0,
          pipelineDepth: 2,
          timeoutMs: 10_000,
        },
      });
      // Handed to the one instance back to back: the count waits in its ring behind the call.
      const slow = c.call('call', enc.encode('other:op:x'));
      const behind = c.call('count', new Uint8Array(), { timeoutMs: 300 }).catch((e: unknown) => e);
      const err = await behind;
      assert.ok(isAloftError(err, 'COMPONENT_TIMEOUT'), String(err));
      assert.equal((err as ComponentError).started, false, 'a caller may send it elsewhere');
      open();
      assert.equal(dec.decode(await slow), 'done x');
      // It never ran: the instance's counter starts at the next call.
      assert.equal(dec.decode(await c.call('count', new Uint8Array())), '1');
      assert.ok(c.stats().takenBack + c.stats().timeouts >= 1);
    } finally {
      open();
      await runtime.close();
    }
  });

  it('work waiting in the ring of an instance blocked on a capability call runs on another instance', async () => {
    const { runtime, open } = gatedRuntime();
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'steal',
        limits: {
          inlineFuel: 0,
          maxInstances: 1,
          overflowInstances: 1,
          pipelineDepth: 2,
          timeoutMs: 10_000,
        },
      });
      let slowDone = false;
      const slow = c.call('call', enc.encode('other:op:y')).finally(() => (slowDone = true));
      // Posted behind the call before it blocks (the ring takes it at once).
      const behind = c.call('echo', new Uint8Array([7]));
      const t0 = performance.now();
      assert.deepEqual(await behind, new Uint8Array([7]));
      const waited = performance.now() - t0;
      assert.ok(waited < 5_000, `answered after ${Math.round(waited)} ms`);
      assert.equal(slowDone, false, 'answered while the call it was queued behind still waits');
      open();
      assert.equal(dec.decode(await slow), 'done y');
    } finally {
      open();
      await runtime.close();
    }
  });

  it('an answer written while the host thread was busy is delivered, not failed with an instance terminated at a deadline', async () => {
    const { runtime, open } = gatedRuntime();
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'late-read',
        limits: {
          inlineFuel: 0,
          maxInstances: 1,
          overflowInstances: 0,
          pipelineDepth: 2,
          timeoutMs: 10_000,
        },
      });
      const first = c.call('echo', new Uint8Array([1])).catch((e: unknown) => e);
      const spinner = c.call('spin', new Uint8Array(), { timeoutMs: 200 }).catch((e: unknown) => e);
      // Busy past the spinner's deadline: the echo's answer waits unread in the channel.
      const until = performance.now() + 600;
      while (performance.now() < until);
      assert.deepEqual(await first, new Uint8Array([1]));
      assert.ok(isAloftError(await spinner, 'COMPONENT_TIMEOUT'));
    } finally {
      open();
      await runtime.close();
    }
  });

  it('unloading tells a call that was running from one that never started', async () => {
    const { runtime, open } = gatedRuntime();
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'unload',
        limits: {
          inlineFuel: 0,
          maxInstances: 1,
          overflowInstances: 0,
          pipelineDepth: 1,
          timeoutMs: 10_000,
        },
      });
      const running = c.call('call', enc.encode('other:op:x')).catch((e: unknown) => e);
      await waitFor('the call to block', () => c.stats().blocked === 1);
      const waiting = c.call('echo', new Uint8Array()).catch((e: unknown) => e);
      await c.unload();
      const [ran, never] = [await running, await waiting];
      assert.ok(
        isAloftError(ran, 'COMPONENT_UNLOADED') && isAloftError(never, 'COMPONENT_UNLOADED'),
      );
      // Only the one that never started may safely run elsewhere.
      assert.equal((ran as ComponentError).started, true);
      assert.equal((never as ComponentError).started, false);
    } finally {
      open();
      await runtime.close();
    }
  });

  it('delivers an answer that was ready before the next invocation blocked on a capability call', async () => {
    const { runtime, open } = gatedRuntime();
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'pipelined',
        limits: {
          inlineFuel: 0,
          maxInstances: 1,
          overflowInstances: 0,
          pipelineDepth: 2,
          timeoutMs: 10_000,
        },
      });
      // Handed to the one instance back to back: the echo answers, then the call blocks.
      const first = c.call('echo', new Uint8Array([1]), { timeoutMs: 1_000 });
      const second = c.call('call', enc.encode('other:op:x'));
      // Keep this thread busy meanwhile, so that it sees the answer and the call at once.
      const until = performance.now() + 100;
      while (performance.now() < until);
      assert.deepEqual(await first, new Uint8Array([1]));
      await waitFor('the call to block', () => c.stats().blocked === 1);
      open();
      assert.equal(dec.decode(await second), 'done x');
      assert.equal(c.stats().started, 1, 'no instance was terminated');
    } finally {
      open();
      await runtime.close();
    }
  });
});

// What the host relies on around invocations: hung capabilities, cancellation, unload, context.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferred, isAloftError } from '../../src/support/index.ts';
import {
  createRuntime,
  memoryCapabilities,
  type CapabilityCall,
  type LoadedComponent,
} from '../../src/runtime/index.ts';
import { dec, enc, fixture } from './fixtures.ts';

const none = new Uint8Array();

describe('invocation lifecycle', () => {
  it('a capability that never answers ends at the deadline, aborts its signal, and the next call works', async () => {
    const seen = deferred<CapabilityCall>();
    const caps = memoryCapabilities({
      forward: (call) => {
        seen.resolve(call);
        return new Promise(() => undefined); // hangs forever
      },
    });
    const runtime = createRuntime({ capabilities: caps.handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'hung',
        limits: { timeoutMs: 1_000 },
      });
      const t0 = performance.now();
      await assert.rejects(c.call('call', enc.encode('other:op:x')), (err) =>
        isAloftError(err, 'COMPONENT_TIMEOUT'),
      );
      assert.ok(performance.now() - t0 >= 995);
      const call = await seen.promise;
      assert.equal(call.interface, 'lattice');
      assert.equal(call.function, 'call');
      assert.deepEqual(call.args.slice(0, 2), ['other', 'op']);
      assert.equal(
        call.context.signal.aborted,
        true,
        'the capability learns the invocation is gone',
      );
      assert.equal(dec.decode(await c.call('count', none)), '1', 'a fresh instance');
    } finally {
      await runtime.close();
    }
  });

  it('a component calling itself is served by another instance, never queued behind itself', async () => {
    let self: LoadedComponent | undefined;
    const caps = memoryCapabilities({
      // lattice.call('self', op, payload) → the same component, as a host routes a local call.
      forward: (call) => {
        const [, operation, payload] = call.args as [string, string, Uint8Array];
        if (!self) throw new Error('not loaded');
        return self.call(operation, payload, { timeoutMs: 1_000 });
      },
    });
    const runtime = createRuntime({ capabilities: caps.handler });
    try {
      self = await runtime.load(await fixture('probe-as'), {
        name: 'self',
        limits: { maxInstances: 2, minInstances: 1, pipelineDepth: 4, timeoutMs: 2_000 },
      });
      // Busy the pool so that pipelining is on, then call through the lattice to itself.
      const results = await Promise.all([
        self.call('call', enc.encode('self:echo:one')),
        self.call('call', enc.encode('self:echo:two')),
        self.call('echo', enc.encode('three')),
      ]);
      assert.deepEqual(
        results.map((r) => dec.decode(r)),
        ['one', 'two', 'three'],
      );
    } finally {
      await runtime.close();
    }
  });

  it('passes invocation metadata and the deadline to capabilities', async () => {
    const calls: CapabilityCall[] = [];
    const inner = memoryCapabilities();
    const runtime = createRuntime({
      capabilities: (call) => {
        calls.push(call);
        return inner.handler(call);
      },
    });
    try {
      const c = await runtime.load(await fixture('probe-as'), { name: 'meta' });
      const before = performance.now();
      await c.call('kv-incr', enc.encode('n'), {
        timeoutMs: 2_000,
        metadata: { traceparent: '00-abc-def-01' },
      });
      const call = calls.find((x) => x.interface === 'keyvalue');
      assert.ok(call);
      assert.equal(call.component, 'meta');
      assert.deepEqual(call.context.metadata, { traceparent: '00-abc-def-01' });
      assert.ok(
        call.context.deadline >= before + 2_000 &&
          call.context.deadline <= performance.now() + 2_000,
      );
      assert.equal(call.context.signal.aborted, false);
    } finally {
      await runtime.close();
    }
  });

  it('unloading rejects in-flight and queued invocations at once', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'unload',
        limits: { inlineFuel: 0, maxInstances: 1, pipelineDepth: 1, timeoutMs: 10_000 },
      });
      const spinning = c.call('spin', none).catch((err: unknown) => err);
      const queued = c.call('echo', none).catch((err: unknown) => err);
      const t0 = performance.now();
      await c.unload();
      assert.ok(isAloftError(await spinning, 'COMPONENT_UNLOADED'));
      assert.ok(isAloftError(await queued, 'COMPONENT_UNLOADED'));
      assert.ok(performance.now() - t0 < 1_000, 'did not wait for the deadline');
      await assert.rejects(c.call('echo', none), (err) => isAloftError(err, 'COMPONENT_UNLOADED'));
      assert.equal(runtime.components().length, 0);
    } finally {
      await runtime.close();
    }
  });

  it('reports a handler the component does not export', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const hello = await runtime.load(await fixture('hello-as'), { name: 'hello' });
      assert.deepEqual(hello.handlers, ['http-handler']);
      await assert.rejects(
        hello.handleMessage({ subject: 's', body: none }),
        (err) =>
          isAloftError(err, 'COMPONENT_NO_HANDLER') && err.message.includes('message-handler'),
      );
      await assert.rejects(hello.call('x', none), (err) =>
        isAloftError(err, 'COMPONENT_NO_HANDLER'),
      );
    } finally {
      await runtime.close();
    }
  });

  it('refuses loads after close', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    const bytes = await fixture('probe-as');
    const c = await runtime.load(bytes, { name: 'x' });
    assert.equal(runtime.components().length, 1);
    await runtime.close();
    await assert.rejects(runtime.load(bytes, { name: 'y' }), (err) =>
      isAloftError(err, 'COMPONENT_UNLOADED'),
    );
    await assert.rejects(c.call('echo', none), (err) => isAloftError(err, 'COMPONENT_UNLOADED'));
  });
});

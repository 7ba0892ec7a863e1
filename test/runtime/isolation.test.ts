// Acceptance: a runaway guest is stopped at its deadline while another component keeps
// answering; an allocating guest traps at its memory cap with process RSS bounded; after
// either, the next invocation is served by a fresh instance.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAloftError } from '../../src/support/index.ts';
import { createRuntime, memoryCapabilities, type Runtime } from '../../src/runtime/index.ts';
import { dec, fixture, request } from './fixtures.ts';

const MiB = 1024 * 1024;
const none = new Uint8Array();

for (const lang of ['ts', 'as'] as const) {
  describe(`${lang} isolation`, () => {
    let runtime: Runtime;

    before(() => {
      runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    });
    after(async () => {
      await runtime.close();
    });

    it('stops an infinite loop at its deadline while another component keeps answering', async () => {
      const bytes = await fixture(`probe-${lang}`);
      // The worker's deadline is under test: nothing on the host thread (see inline.test.ts).
      const spinner = await runtime.load(bytes, {
        name: 'spinner',
        limits: { timeoutMs: 400, inlineFuel: 0 },
      });
      const other = await runtime.load(bytes, { name: 'other' });
      assert.equal(dec.decode(await spinner.call('count', none)), '1');

      const t0 = performance.now();
      let settled = false;
      const spinning = spinner.call('spin', none).then(
        () => assert.fail('spin returned'),
        (err: unknown) => {
          settled = true;
          return { err, ms: performance.now() - t0 };
        },
      );
      // While the spinner burns its worker, the other component keeps answering.
      const latencies: number[] = [];
      while (!settled) {
        const s = performance.now();
        const res = await other.handleHttp(request('/alive'));
        if (!settled) latencies.push(performance.now() - s);
        assert.equal(res.status, 200);
      }
      const { err, ms } = await spinning;
      assert.ok(isAloftError(err, 'COMPONENT_TIMEOUT'), String(err));
      assert.equal(err.retryable, true);
      // Stopped at the deadline: not before it, and promptly after (slack for a loaded CI box).
      // (Node timers run off the loop's cached clock and may fire a millisecond early.)
      assert.ok(ms >= 395 && ms < 400 + 1000, `timed out after ${ms.toFixed(1)} ms`);
      assert.ok(latencies.length >= 10, `other component answered ${latencies.length} times`);
      latencies.sort((a, b) => a - b);
      const p50 = latencies[Math.floor(latencies.length / 2)] ?? 0;
      assert.ok(p50 < 50, `other component's median latency ${p50.toFixed(1)} ms`);

      // Next invocation: a fresh instance (module state starts over).
      assert.equal(dec.decode(await spinner.call('count', none)), '1');
      const stats = spinner.stats();
      assert.equal(stats.timeouts, 1);
      assert.ok(stats.started >= 2, `started ${stats.started} workers`);
      await spinner.unload();
      await other.unload();
    });

    it('traps an unbounded allocation at the memory cap, keeps RSS bounded, then serves fresh', async (t) => {
      const cap = lang === 'ts' ? 96 * MiB : 32 * MiB;
      const hog = await runtime.load(await fixture(`probe-${lang}`), {
        name: 'hog',
        limits: { memoryLimitBytes: cap, inlineFuel: 0, maxInstances: 1, timeoutMs: 20_000 },
      });
      assert.equal(dec.decode(await hog.call('count', none)), '1');
      assert.equal(dec.decode(await hog.call('count', none)), '2');
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      for (let i = 0; i < 4; i++) {
        await assert.rejects(hog.call('alloc', none), (err) => {
          assert.ok(isAloftError(err, 'COMPONENT_TRAP'), String(err));
          if (i === 0) t.diagnostic(err.message);
          return true;
        });
        peak = Math.max(peak, process.memoryUsage().rss);
        // Fresh instance: its counter starts over.
        assert.equal(dec.decode(await hog.call('count', none)), '1');
      }
      const growth = peak - rssBefore;
      t.diagnostic(
        `cap ${cap / MiB} MiB; RSS ${(rssBefore / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB`,
      );
      // Four runaway allocations of `cap` each: without the cap each would grow to 4 GiB.
      assert.ok(growth < 3 * cap + 64 * MiB, `RSS grew by ${(growth / MiB).toFixed(0)} MiB`);
      await hog.unload();
    });
  });
}

describe('pool limits', () => {
  it('answers COMPONENT_BUSY at once beyond maxInstances + maxQueue', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'busy',
        limits: { inlineFuel: 0, maxInstances: 1, pipelineDepth: 1, maxQueue: 1, timeoutMs: 300 },
      });
      const spin = c.call('spin', none).catch((err: unknown) => err);
      const queued = c.call('echo', none).catch((err: unknown) => err);
      const t0 = performance.now();
      await assert.rejects(
        c.call('echo', none),
        (err) => isAloftError(err, 'COMPONENT_BUSY') && err.retryable,
      );
      assert.ok(performance.now() - t0 < 100, 'busy answered without waiting');
      assert.ok(isAloftError(await spin, 'COMPONENT_TIMEOUT'));
      // The queued call waited behind the spinner and shared its deadline budget.
      assert.ok(isAloftError(await queued, 'COMPONENT_TIMEOUT'));
      assert.deepEqual(await c.call('echo', new Uint8Array([7])), new Uint8Array([7]));
    } finally {
      await runtime.close();
    }
  });

  it('moves invocations pipelined behind a runaway to a fresh instance', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'pipelined',
        limits: { inlineFuel: 0, maxInstances: 1, pipelineDepth: 3, maxQueue: 0, timeoutMs: 300 },
      });
      const spin = c.call('spin', none).catch((err: unknown) => err);
      const behind = [
        c.call('echo', new Uint8Array([1]), { timeoutMs: 5000 }),
        c.call('count', none, { timeoutMs: 5000 }),
      ];
      // Ring full (3) and no queue: the next one is refused at once.
      await assert.rejects(c.call('echo', none), (err) => isAloftError(err, 'COMPONENT_BUSY'));
      assert.ok(isAloftError(await spin, 'COMPONENT_TIMEOUT'));
      const [echo, count] = await Promise.all(behind);
      assert.deepEqual(echo, new Uint8Array([1]));
      assert.equal(dec.decode(count), '1', 'served by a fresh instance');
      assert.equal(c.stats().started, 2);
    } finally {
      await runtime.close();
    }
  });

  it('runs up to maxInstances invocations in parallel', async () => {
    const runtime = createRuntime({ capabilities: memoryCapabilities().handler });
    try {
      const c = await runtime.load(await fixture('probe-as'), {
        name: 'parallel',
        limits: { maxInstances: 3, minInstances: 3, timeoutMs: 300 },
      });
      const t0 = performance.now();
      const results = await Promise.allSettled([
        c.call('spin', none),
        c.call('spin', none),
        c.call('spin', none),
      ]);
      const elapsed = performance.now() - t0;
      assert.ok(
        results.every(
          (r) => r.status === 'rejected' && isAloftError(r.reason, 'COMPONENT_TIMEOUT'),
        ),
      );
      // Three spinners side by side: all stopped at one deadline, not one after another.
      assert.ok(elapsed < 3 * 300, `took ${elapsed.toFixed(0)} ms`);
      assert.equal(c.stats().timeouts, 3);
    } finally {
      await runtime.close();
    }
  });
});

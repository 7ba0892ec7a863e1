// NATS key-value options that the contract does not reach: a stalled listing is abandoned, and
// the atomicity mode can be forced.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { natsKeyValue } from '../../src/providers/index.ts';
import { natsFixture } from './support.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('NATS key-value options', { timeout: 30_000 }, () => {
  let nats: Awaited<ReturnType<typeof natsFixture>>;
  before(async () => {
    nats = await natsFixture('single');
  });
  after(() => nats.stop());

  it('a key listing that does not finish in time fails with KV_UNAVAILABLE instead of hanging', async () => {
    // 3000 keys cannot be listed within 2 ms, so every attempt is abandoned.
    const writer = natsKeyValue({ nc: nats.nc, lattice: 'opts' });
    for (let i = 0; i < 3000; i += 500) {
      const batch = Array.from({ length: 500 }, (_, j) => `k${i + j}`);
      await Promise.all(batch.map((k) => writer.set('many', k, utf8('v'))));
    }
    const kv = natsKeyValue({ nc: nats.nc, lattice: 'opts', listTimeoutMs: 2, retryBudgetMs: 300 });
    const t0 = performance.now();
    await assert.rejects(kv.listKeys('many'), { code: 'KV_UNAVAILABLE' });
    assert.ok(performance.now() - t0 < 10_000, 'gave up rather than hanging');
    const patient = natsKeyValue({ nc: nats.nc, lattice: 'opts', pageSize: 5000 });
    assert.equal((await patient.listKeys('many')).keys.length, 3000);
  });

  it('stream-wide atomicity gives the same answers as per-key atomicity', async () => {
    for (const atomicity of ['subject', 'stream'] as const) {
      const kv = natsKeyValue({ nc: nats.nc, lattice: 'opts', atomicity });
      const b = `atom_${atomicity}`;
      await kv.set(b, 'other', utf8('x'));
      const results = await Promise.all(Array.from({ length: 20 }, () => kv.increment(b, 'n', 1n)));
      assert.equal(new Set(results).size, 20, `${atomicity}: every increment saw its own value`);
      assert.equal(await kv.compareAndSwap(b, 'n', utf8('20'), utf8('done')), true);
      assert.equal(await kv.compareAndSwap(b, 'n', utf8('20'), utf8('again')), false);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Breaker, TokenBucket } from './throttle.ts';

describe('TokenBucket', () => {
  it('lets a burst through, then spaces calls at the rate', () => {
    const b = new TokenBucket(100, 3, 0);
    assert.deepEqual([b.take(0), b.take(0), b.take(0)], [0, 0, 0]);
    assert.equal(b.take(0), 10); // 1 token short at 100/s
    assert.equal(b.take(0), 20);
    assert.equal(b.take(30), 0, 'the debt is repaid by 30 ms');
  });

  it('charges more for expensive calls and refills up to the burst only', () => {
    const b = new TokenBucket(1000, 10, 0);
    assert.equal(b.take(0, 10), 0);
    assert.equal(b.take(0, 10), 10);
    const c = new TokenBucket(1000, 10, 0);
    assert.equal(c.take(1_000_000, 10), 0, 'a long idle period refills to the burst, no more');
    assert.equal(c.take(1_000_000, 1), 1);
  });

  it('property: over any schedule, admitted work never exceeds burst + rate × elapsed', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 300 }), (gaps) => {
        const rate = 200;
        const burst = 20;
        const b = new TokenBucket(rate, burst, 0);
        let now = 0;
        let admittedAt = 0;
        let count = 0;
        for (const gap of gaps) {
          now += gap;
          const wait = b.take(Math.max(now, admittedAt));
          admittedAt = Math.max(now, admittedAt) + wait;
          count++;
          assert.ok(
            count <= burst + (rate * admittedAt) / 1000 + 1e-6,
            `${count} by ${admittedAt} ms`,
          );
        }
      }),
    );
  });

  it('drops (tryTake) beyond the rate', () => {
    const b = new TokenBucket(10, 2, 0);
    assert.deepEqual([b.tryTake(0), b.tryTake(0), b.tryTake(0)], [true, true, false]);
    assert.equal(b.tryTake(100), true);
  });
});

describe('Breaker', () => {
  it('suspends after consecutive failures, doubling while they continue, reset by a success', () => {
    const br = new Breaker({ threshold: 3, baseMs: 1000, maxMs: 4000 });
    assert.equal(br.failed(0), 0);
    assert.equal(br.failed(0), 0);
    assert.equal(br.failed(0), 1000);
    assert.equal(br.suspendedFor(500), 500);
    assert.equal(br.suspendedFor(1000), 0);
    for (let i = 0; i < 2; i++) br.failed(1000);
    assert.equal(br.failed(1000), 2000);
    for (let i = 0; i < 2; i++) br.failed(3000);
    assert.equal(br.failed(3000), 4000);
    for (let i = 0; i < 2; i++) br.failed(7000);
    assert.equal(br.failed(7000), 4000, 'capped');
    br.succeeded();
    br.failed(20_000);
    br.failed(20_000);
    assert.equal(br.failed(20_000), 1000, 'back to the first step after a success');
  });

  it('never trips when failures are interleaved with successes, or when disabled', () => {
    const br = new Breaker({ threshold: 3, baseMs: 1000, maxMs: 4000 });
    for (let i = 0; i < 100; i++) {
      assert.equal(br.failed(i), 0);
      assert.equal(br.failed(i), 0);
      br.succeeded();
    }
    const off = new Breaker({ threshold: 0, baseMs: 1000, maxMs: 4000 });
    for (let i = 0; i < 10; i++) assert.equal(off.failed(i), 0);
  });
});

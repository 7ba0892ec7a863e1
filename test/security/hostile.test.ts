// Issue 8 acceptance: hostile components (an infinite loop, a memory bomb, an oversized response,
// calls to unlinked and to unclaimed capabilities, a flood of calls to another component, a flood
// of log lines), all at once on one real host, cannot degrade a well-behaved component beside
// them beyond the bound stated in docs/security.md, and each defence is seen to act.
//
// Bound asserted here (docs/security.md states the measured figures; this test keeps a margin
// for a shared 2-core machine whose load swings with other work): during the attack the good
// component answers every call, keeps at least 20% of the throughput it had just before (median
// of three rounds), its p99 stays under 500 ms, its own instances are never restarted, demoted
// or suspended, and the host's heartbeats never pause long enough for it to be declared lost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Subscription } from '@nats-io/nats-core';
import { requestJson, schemas, subjectsFor } from '../../src/lattice/index.ts';
import type { Inventory } from '../../src/host/index.ts';
import { startHostileBed, type Figures, type HostileBed } from '../support/hostile.ts';
import { tempDir } from '../support/tmp.ts';

describe('hostile components on one host', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-hostile-');
  let bed: HostileBed;

  // The longest gap between two of the host's heartbeats (1 s apart; 3 missed = lost).
  let maxGapMs = 0;
  let beats: Subscription;

  before(async () => {
    bed = await startHostileBed(dir.path);
    let last = performance.now();
    beats = bed.nc.subscribe(subjectsFor('hostile').heartbeat(bed.host.id), {
      callback: () => {
        const now = performance.now();
        maxGapMs = Math.max(maxGapMs, now - last);
        last = now;
      },
    });
  });
  after(async () => {
    beats.unsubscribe();
    await bed.stop();
    dir.remove();
  });

  const pools = async (): Promise<
    Record<string, NonNullable<Inventory['components'][number]['pool']>>
  > => {
    const inv = (await requestJson(
      bed.nc,
      subjectsFor('hostile').control('host.inventory', bed.host.id),
      {},
      schemas.EmptyRequest,
      { timeoutMs: 5000 },
    )) as unknown as Inventory;
    return Object.fromEntries(
      inv.components.map((c) => [c.name, c.pool ?? assert.fail('no pool stats')]),
    );
  };

  it('every attack at once leaves the good component within the bound, and every defence acts', async (t) => {
    await bed.measure('none', { sequential: 200, windowMs: 1000 }); // warm up
    // The machine is shared and its load swings: three rounds of (no attack, attack), each
    // attack compared with the window just before it; the bound holds for the median round.
    const window = { sequential: 200, windowMs: 1500 };
    const show = (f: Figures): string =>
      `${f.attack}: p50 ${f.p50Ms.toFixed(2)} ms, p99 ${f.p99Ms.toFixed(1)} ms, ${f.rps.toFixed(0)} calls/s, ${f.errors} errors ${JSON.stringify(f.errorCodes)}`;
    const rounds: { ratio: number; p99: number; errors: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const quiet = await bed.measure('none', window);
      const attacked = await bed.measure('all', window);
      t.diagnostic(
        `${show(quiet)} | ${show(attacked)} | hostile ${JSON.stringify(attacked.hostile)}`,
      );
      rounds.push({
        ratio: attacked.rps / quiet.rps,
        p99: attacked.p99Ms,
        errors: quiet.errors + attacked.errors,
      });
    }
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[1] ?? NaN;
    assert.equal(
      rounds.reduce((n, r) => n + r.errors, 0),
      0,
      'a good call failed',
    );
    const ratio = median(rounds.map((r) => r.ratio));
    const p99 = median(rounds.map((r) => r.p99));
    t.diagnostic(
      `median: ${(ratio * 100).toFixed(0)}% of the throughput, p99 ${p99.toFixed(1)} ms`,
    );
    assert.ok(
      ratio >= 0.2,
      `throughput under attack ${(ratio * 100).toFixed(0)}% of the quiet one`,
    );
    assert.ok(p99 < 500, `p99 ${p99.toFixed(1)} ms`);

    // The host's main thread kept up: its heartbeats never stopped long enough to be lost.
    t.diagnostic(`longest heartbeat gap ${maxGapMs.toFixed(0)} ms`);
    assert.ok(maxGapMs < 2500, `heartbeats stopped for ${maxGapMs.toFixed(0)} ms`);
    const p = await pools();
    t.diagnostic(JSON.stringify(p));
    const good = p.good;
    assert.ok(good);
    assert.deepEqual(
      [good.started, good.crashes, good.demoted, good.suspensions, good.refusedSuspended],
      [2, 0, 0, 0, 0],
      'the good component was never restarted, demoted or suspended',
    );
    // Whatever burns CPU or crashes was moved out of the way: its threads' priority lowered
    // (a loop, a memory bomb still growing), or the component suspended (crashing every time).
    for (const n of ['spin', 'alloc', 'big', 'unclaimed']) {
      const h = p[`hostile-${n}`];
      assert.ok((h?.demoted ?? 0) + (h?.suspensions ?? 0) >= 1, `hostile-${n} ran unchecked`);
    }
    assert.ok((p['hostile-spin']?.demoted ?? 0) >= 1, 'the infinite loop kept its priority');
    assert.ok(
      (p['hostile-big']?.suspensions ?? 0) >= 1,
      'the oversized response was never suspended',
    );
    // The call floods were slowed to their rates, the log flood dropped.
    assert.ok((p['hostile-flood']?.throttledCalls ?? 0) > 0, 'flood not throttled');
    assert.ok((p['hostile-unlinked']?.throttledCalls ?? 0) > 0, 'refused calls not throttled');
    assert.ok((p['hostile-logs']?.droppedLogLines ?? 0) > 0, 'no log line dropped');
    // The unclaimed capability never reached the host: refused inside the worker.
    assert.equal(p['hostile-unclaimed']?.throttledCalls, 0);
  });
});

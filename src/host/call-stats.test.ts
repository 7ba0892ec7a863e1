import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Heartbeat } from '../lattice/schemas.ts';
import { createCallStats, latencySummary } from './call-stats.ts';

describe('heartbeat call statistics', () => {
  it('counts ok, failed and shed calls per component; counters survive the interval', () => {
    const stats = createCallStats();
    for (const ms of [1, 2, 3]) {
      stats.observe({ component: 'echo', operation: 'echo', outcome: 'ok', durationMs: ms });
    }
    stats.observe({ component: 'echo', operation: 'echo', outcome: 'error', durationMs: 9 });
    stats.observe({ component: 'echo', operation: 'echo', outcome: 'shed', durationMs: 0 });
    assert.deepEqual(stats.take(['echo', 'idle']), {
      echo: { ok: 3, err: 1, shed: 1, p50: 2, p99: 9, max: 9 },
      idle: { ok: 0, err: 0 },
    });
    // A new interval: counters keep growing, latency starts afresh and is absent without calls.
    assert.deepEqual(stats.take(['echo']), { echo: { ok: 3, err: 1, shed: 1 } });
    stats.observe({ component: 'echo', operation: 'echo', outcome: 'ok', durationMs: 0.123 });
    assert.deepEqual(stats.take([]), {
      echo: { ok: 4, err: 1, shed: 1, p50: 0.12, p99: 0.12, max: 0.12 },
    });
  });

  it('keeps latency memory bounded and the max exact under heavy traffic', () => {
    const stats = createCallStats(() => 0.999);
    for (let i = 1; i <= 10_000; i++) {
      stats.observe({ component: 'c', operation: 'x', outcome: 'ok', durationMs: i % 100 });
    }
    stats.observe({ component: 'c', operation: 'x', outcome: 'ok', durationMs: 5000 });
    const out = stats.take([]).c;
    assert.equal(out?.ok, 10_001);
    assert.equal(out?.max, 5000);
    assert.ok((out?.p50 ?? -1) >= 0 && (out?.p50 ?? 999) < 100);
  });

  it('nearest-rank percentiles', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(latencySummary(hundred), { p50: 50, p99: 99, max: 100 });
    assert.deepEqual(latencySummary([]), {});
  });

  it('a heartbeat with statistics stays valid for old and new readers, and small', () => {
    const stats = createCallStats();
    stats.observe({ component: 'echo', operation: 'echo', outcome: 'ok', durationMs: 0.4 });
    const beat = {
      hostId: 'N'.repeat(56),
      name: 'quiet-otter',
      labels: { cloud: 'aws', region: 'us-east-1' },
      intervalMs: 1000,
      seq: 7,
      inventoryRevision: 2,
      cordoned: false,
      components: { echo: 2 },
      providers: [],
      load: { inFlight: 0, capacity: 2 },
      uptimeMs: 12_345,
      calls: stats.take(['echo']),
    };
    const parsed = Heartbeat.parse(beat);
    assert.deepEqual(parsed.calls, { echo: { ok: 1, err: 0, p50: 0.4, p99: 0.4, max: 0.4 } });
    assert.ok(JSON.stringify(beat).length < 400, `${JSON.stringify(beat).length} bytes`);
    // A reader of the original schema ignores the new fields.
    const old = Heartbeat.omit({ calls: true, uptimeMs: true, draining: true }).parse(beat);
    assert.equal('calls' in old, false);
  });
});

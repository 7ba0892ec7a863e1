import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JournalRecord } from '../journal.ts';
import { deriveTimeline } from './timeline.ts';
import { renderMarkdown, renderReport } from './text.ts';

const T0 = 1_700_000_000_000;
const at = (s: number): number => T0 + s * 1000;

/** A journal: 3 clouds × 2 instances, 40 calls/s from each; `shape(i)` varies second i. */
function journal(
  seconds: number,
  shape: (
    i: number,
  ) => Partial<{ servedBy: Record<string, number>; errors: number; p99Ms: number }> = () => ({}),
): JournalRecord[] {
  const records: JournalRecord[] = [
    {
      type: 'start',
      at: T0,
      component: 'echo',
      desired: { aws: 2, gcp: 2, azure: 2 },
      ratePerCloud: 40,
    },
    {
      type: 'placement',
      at: T0 + 5,
      instances: { aws: 2, gcp: 2, azure: 2 },
      hosts: { aws: 2, gcp: 2, azure: 2 },
    },
  ];
  for (let i = 1; i <= seconds; i++) {
    records.push({
      type: 'second',
      at: at(i),
      servedBy: { aws: 40, gcp: 40, azure: 40 },
      errors: 0,
      p50Ms: 0.5,
      p99Ms: 4,
      ...shape(i),
    });
  }
  return records;
}

const place = (
  s: number,
  aws: number,
  gcp: number,
  azure: number,
  hosts = [2, 2, 2],
): JournalRecord => ({
  type: 'placement',
  at: at(s),
  instances: { aws, gcp, azure },
  hosts: { aws: hosts[0] ?? 0, gcp: hosts[1] ?? 0, azure: hosts[2] ?? 0 },
});
const lost = (s: number, hostId: string, cloud: string): JournalRecord => ({
  type: 'event',
  at: at(s),
  event: 'host_lost',
  hostId,
  cloud,
});

describe('sim report: timeline derived from the journal', () => {
  it('a cloud outage: detection from host_lost, re-placement when the survivors hold all instances, recovery after the spike', () => {
    const records = journal(30, (i) =>
      i === 11
        ? { p99Ms: 2100, errors: 0 }
        : i === 12
          ? { p99Ms: 900 }
          : i > 10
            ? { servedBy: { aws: 60, azure: 60 } }
            : {},
    );
    records.push(
      { type: 'fault', at: at(10.2), kind: 'kill', targets: ['gcp'] },
      lost(12.5, 'G1', 'gcp'),
      lost(12.6, 'G1', 'aws'), // a repeat of the same loss, reported with other labels: not a new host
      lost(12.7, 'G2', 'gcp'),
      lost(12.8, 'A9', 'aws'), // another cloud's host: not this fault's detection
      place(12.7, 2, 0, 2, [2, 0, 2]),
      place(13.4, 3, 0, 2, [2, 0, 2]),
      place(14.1, 3, 0, 3, [2, 0, 2]),
    );
    const t = deriveTimeline(records.reverse()); // order in the file does not matter
    assert.equal(t.t0, T0);
    assert.equal(t.incidents.length, 1);
    const inc = t.incidents[0];
    assert.ok(inc);
    assert.equal(inc.atS, 10.2);
    assert.equal(inc.repair, false);
    assert.deepEqual(inc.detection, { firstMs: 2300, lastMs: 2500, hosts: 2, event: 'host_lost' });
    assert.equal(inc.placement?.afterMs, 3900);
    assert.deepEqual(inc.placement?.instances, { aws: 3, gcp: 0, azure: 3 });
    assert.equal(inc.baselineP99Ms, 4);
    assert.equal(inc.thresholdMs, 9);
    // Seconds 11 and 12 are slow; from second 13 (window 12–13 s) on all is well, but recovery
    // cannot precede the detection at +2.3 s.
    assert.equal(inc.recovery?.afterMs, 2300);
    assert.equal(inc.during.peakP99Ms, 2100);
    assert.equal(inc.during.errors, 0);
    assert.equal(t.totals.seconds, 30);
  });

  it('errors delay recovery until three clean seconds in a row', () => {
    const records = journal(20, (i) => (i === 6 || i === 8 ? { errors: 3 } : {}));
    records.push(
      { type: 'fault', at: at(5), kind: 'hang', targets: ['azure'] },
      lost(5.5, 'Z', 'azure'),
    );
    const inc = deriveTimeline(records).incidents[0];
    // Unhealthy seconds end at 6 and 8 s; the first run of 3 healthy seconds is 9, 10, 11 (window from 8 s).
    assert.equal(inc?.recovery?.afterMs, 3000);
    assert.equal(inc?.during.errors, 6);
    assert.equal(inc?.placement, undefined, 'no placement record shows the instances back');
  });

  it('no recovery when the load never settles, and no detection without a matching host_lost', () => {
    const records = journal(10, (i) => (i > 5 ? { p99Ms: 80 } : {}));
    records.push(
      { type: 'fault', at: at(5), kind: 'latency', targets: ['gcp'] },
      lost(6, 'A', 'aws'),
    );
    const inc = deriveTimeline(records).incidents[0];
    assert.equal(inc?.detection, undefined);
    assert.equal(inc?.recovery, undefined);
    assert.match(renderReport(deriveTimeline(records)).join('\n'), /not recovered within the run/);
  });

  it('a restore: hosts back from the heartbeats, rebalanced when every cloud has its share again', () => {
    const records = journal(40);
    records.push(
      { type: 'fault', at: at(10), kind: 'kill', targets: ['gcp'] },
      lost(12, 'G1', 'gcp'),
      place(12, 2, 0, 2, [2, 0, 2]),
      place(13, 3, 0, 3, [2, 0, 2]),
      { type: 'fault', at: at(20), kind: 'restore', targets: ['gcp'] },
      place(21, 3, 0, 3, [2, 1, 2]),
      place(21.5, 3, 0, 3, [2, 2, 2]),
      place(22, 3, 1, 2, [2, 2, 2]),
      place(22.25, 2, 2, 2, [2, 2, 2]),
    );
    const [kill, restore] = deriveTimeline(records).incidents;
    assert.equal(kill?.placement?.afterMs, 3000);
    assert.equal(restore?.repair, true);
    assert.deepEqual(restore?.detection, {
      firstMs: 1500,
      lastMs: 1500,
      hosts: 2,
      event: 'hosts back',
    });
    assert.equal(restore?.placement?.afterMs, 2250);
  });

  it('each fault is judged only up to the next one', () => {
    const records = journal(30);
    records.push(
      { type: 'fault', at: at(10), kind: 'kill', targets: ['gcp'] },
      { type: 'fault', at: at(11), kind: 'kill', targets: ['aws'] },
      lost(12, 'G1', 'gcp'),
    );
    const [first, second] = deriveTimeline(records).incidents;
    assert.equal(first?.detection, undefined, 'the host_lost came after the next fault');
    assert.equal(second?.detection, undefined, 'and it is not the next fault’s target');
  });

  it('renders the figures as text and as a Markdown table', () => {
    const records = journal(20);
    records.push(
      { type: 'fault', at: at(5), kind: 'kill', targets: ['gcp'] },
      lost(7.4, 'G', 'gcp'),
      place(7.4, 2, 0, 2),
      place(8.9, 3, 0, 3),
    );
    const t = deriveTimeline(records);
    const text = renderReport(t).join('\n');
    assert.match(text, /\+5\.0 s {2}kill gcp/);
    assert.match(text, /\+2\.4 s\s+detected: host_lost/);
    assert.match(text, /\+3\.9 s\s+re-placed: 6 instances \(aws 3, azure 3\)/);
    const md = renderMarkdown(t, 'docs/x.png');
    assert.ok(
      md.includes('| kill gcp | 5.0 s | 2.4 s / 2.4 s | 3.9 s | 2.4 s | 360 | 0 | 4.0 ms |'),
      md.join('\n'),
    );
    assert.equal(md.at(-1), '![throughput and latency over the run](docs/x.png)');
  });
});

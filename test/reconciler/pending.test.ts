import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyCommands,
  reconcile,
  reflectedIn,
  type Command,
  type Observed,
} from '../../src/reconciler/index.ts';
import { app, component, countsOf, host, lattice, spread } from './fixtures.ts';

const desired = [
  app('shop', [
    component('api', {
      kind: 'spread',
      instances: 4,
      spreads: [spread('aws', { cloud: 'aws' }, 50), spread('gcp', { cloud: 'gcp' }, 50)],
    }),
  ]),
];
const hosts = (): Observed =>
  lattice([
    host('aws-1', { cloud: 'aws' }),
    host('aws-2', { cloud: 'aws' }),
    host('gcp-1', { cloud: 'gcp' }),
    host('gcp-2', { cloud: 'gcp' }),
  ]);
/** gcp was gone: its share fell back to aws (2 + 2); its hosts are back, empty. */
const fallenBack = (): Observed => {
  const all = hosts();
  const aws = lattice(all.hosts.filter((h) => h.labels.cloud === 'aws'));
  let o = applyCommands(aws, reconcile(desired, aws), 1000);
  o = { ...o, hosts: [...o.hosts, ...all.hosts.filter((h) => h.labels.cloud === 'gcp')] };
  return o;
};
const describeAll = (cs: Command[]): string[] =>
  cs.map((c) => `${c.type} ${'hostId' in c ? c.hostId : ''} ${'count' in c ? c.count : ''}`);

describe('pending commands', () => {
  it('a command counts as done once the observed state shows it (or its host is gone)', () => {
    const o = hosts();
    const [start] = reconcile(desired, o);
    assert.ok(start?.type === 'start');
    assert.equal(reflectedIn(start, o), false);
    assert.equal(reflectedIn(start, applyCommands(o, [start], 1)), true);
    const other = applyCommands(o, [{ ...start, ref: 'ghcr.io/example/api:2.0.0' }], 1);
    assert.equal(reflectedIn(start, other), false, 'another image is not this start');
    const gone = lattice(o.hosts.filter((h) => h.hostId !== start.hostId));
    assert.equal(reflectedIn(start, gone), true, 'moot: its host is gone');
  });

  it('the surplus of a fallback is trimmed as soon as hosts report the returning instances, not after a fixed hold', () => {
    const o = fallenBack();
    assert.deepEqual(countsOf(o, 'api'), { 'aws-1': 2, 'aws-2': 2 });
    const starts = reconcile(desired, o);
    assert.deepEqual(describeAll(starts), ['start gcp-1 1', 'start gcp-2 1']);
    // While the starts are pending, nothing they replace is stopped.
    const pending = applyCommands(o, starts, 2000, { pending: true });
    assert.deepEqual(reconcile(desired, pending), []);
    // The hosts report them: the commands are settled, and the next plan trims at once.
    const reported = applyCommands(o, starts, 2000);
    assert.ok(starts.every((c) => reflectedIn(c, reported)));
    assert.deepEqual(
      reconcile(desired, applyCommands(reported, starts, 2100, { pending: true })),
      [],
      'held as pending regardless, they would block the trim',
    );
    const stillPending = starts.filter((c) => !reflectedIn(c, reported));
    const next = reconcile(desired, applyCommands(reported, stillPending, 2100, { pending: true }));
    assert.deepEqual(describeAll(next), ['scale aws-1 1', 'scale aws-2 1']);
  });
});

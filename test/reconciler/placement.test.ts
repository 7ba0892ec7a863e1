import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyCommands,
  appStatuses,
  reconcile,
  splitByWeight,
  type Observed,
} from '../../src/reconciler/index.ts';
import { app, component, countsOf, host, lattice, spread } from './fixtures.ts';

/** Reconciles and applies until nothing is left to do; returns the state and the rounds taken. */
function converge(desired: Parameters<typeof reconcile>[0], o: Observed, now = 1000) {
  let rounds = 0;
  for (; rounds < 5; rounds++) {
    const cmds = reconcile(desired, o);
    if (cmds.length === 0) return { o, rounds };
    o = applyCommands(o, cmds, now + rounds);
  }
  throw new Error('did not converge in 5 rounds');
}

const clouds = (): Observed =>
  lattice([
    host('aws-1', { cloud: 'aws' }),
    host('aws-2', { cloud: 'aws' }),
    host('aws-3', { cloud: 'aws' }),
    host('gcp-1', { cloud: 'gcp' }),
    host('gcp-2', { cloud: 'gcp' }),
    host('gcp-3', { cloud: 'gcp' }),
  ]);
const fiftyFifty = (fallback: 'any' | 'none' = 'any') =>
  app('shop', [
    component('api', {
      kind: 'spread',
      instances: 6,
      spreads: [
        spread('aws', { cloud: 'aws' }, 50, fallback),
        spread('gcp', { cloud: 'gcp' }, 50, fallback),
      ],
    }),
  ]);

describe('splitByWeight', () => {
  it('rounds down and gives leftovers to the heaviest spreads, first declared on ties', () => {
    assert.deepEqual(splitByWeight(7, [50, 30, 20]), [4, 2, 1]);
    assert.deepEqual(splitByWeight(6, [50, 50]), [3, 3]);
    assert.deepEqual(splitByWeight(5, [1, 1]), [3, 2]);
    assert.deepEqual(splitByWeight(3, [100, 0]), [3, 0]);
    assert.deepEqual(splitByWeight(1, [1, 2]), [0, 1]);
    assert.deepEqual(splitByWeight(4, [0, 0]), [0, 0]);
  });
});

describe('spreadscaler placement', () => {
  it('places 6 instances 50/50 over two labelled groups: 3 + 3 on distinct hosts, in one step', () => {
    const { o, rounds } = converge([fiftyFifty()], clouds());
    assert.equal(rounds, 1);
    assert.deepEqual(countsOf(o, 'api'), {
      'aws-1': 1,
      'aws-2': 1,
      'aws-3': 1,
      'gcp-1': 1,
      'gcp-2': 1,
      'gcp-3': 1,
    });
    const [s] = appStatuses([fiftyFifty()], o);
    assert.equal(s?.state, 'Deployed');
    assert.equal(s?.scalers[0]?.reason, '6 of 6 running on 6 hosts');
  });

  it('means total replicas, not per-host concurrency: 2 instances on 5 hosts use 2 hosts', () => {
    const desired = [app('a', [component('c', { kind: 'spread', instances: 2, spreads: [] })])];
    const o = lattice(['h1', 'h2', 'h3', 'h4', 'h5'].map((id) => host(id)));
    const cmds = reconcile(desired, o);
    assert.deepEqual(
      cmds.map((c) => (c.type === 'start' ? [c.hostId, c.count] : c.type)),
      [
        ['h1', 1],
        ['h2', 1],
      ],
    );
  });

  it('falls back to the other spread when a whole cloud is gone, and returns when it is back', () => {
    const desired = [fiftyFifty()];
    let o = converge(desired, clouds()).o;
    // AWS goes away: its 3 replicas move to GCP (2 per GCP host).
    o = { ...o, hosts: o.hosts.filter((h) => h.labels.cloud !== 'aws') };
    o = converge(desired, o).o;
    assert.deepEqual(countsOf(o, 'api'), { 'gcp-1': 2, 'gcp-2': 2, 'gcp-3': 2 });
    const [during] = appStatuses(desired, o);
    assert.equal(during?.state, 'Deployed');
    assert.match(during?.scalers[0]?.reason ?? '', /spread "aws" on fallback hosts/);

    // AWS returns: first the new AWS instances start (nothing stops yet)...
    o = { ...o, hosts: [...o.hosts, ...clouds().hosts.filter((h) => h.labels.cloud === 'aws')] };
    const first = reconcile(desired, o);
    assert.deepEqual(
      first.map((c) => `${c.type} ${'hostId' in c ? c.hostId : ''}`),
      ['start aws-1', 'start aws-2', 'start aws-3'],
    );
    assert.equal(appStatuses(desired, o)[0]?.state, 'Reconciling');
    o = applyCommands(o, first, 2000);
    // ...then, once they run, the fallback replicas go.
    const second = reconcile(desired, o);
    assert.deepEqual(
      second.map(
        (c) => `${c.type} ${'hostId' in c ? c.hostId : ''} ${'count' in c ? c.count : ''}`,
      ),
      ['scale gcp-1 1', 'scale gcp-2 1', 'scale gcp-3 1'],
    );
    o = applyCommands(o, second, 3000);
    assert.deepEqual(reconcile(desired, o), []);
  });

  it('refuses to fall back with fallback: none, and says why', () => {
    const desired = [fiftyFifty('none')];
    const o = lattice(clouds().hosts.filter((h) => h.labels.cloud === 'gcp'));
    const { o: after } = converge(desired, o);
    assert.deepEqual(countsOf(after, 'api'), { 'gcp-1': 1, 'gcp-2': 1, 'gcp-3': 1 });
    const [s] = appStatuses(desired, after);
    assert.equal(s?.state, 'Waiting');
    assert.equal(
      s?.reason,
      'api: 3 of 6 instances cannot be placed: spread "aws": no host matches cloud=aws (fallback: none)',
    );
  });

  it('puts nothing new on a cordoned host but keeps what it runs', () => {
    const desired = [app('a', [component('c', { kind: 'spread', instances: 2, spreads: [] })])];
    const o = lattice([
      host(
        'h1',
        {},
        {
          cordoned: true,
          components: [{ name: 'c', ref: 'ghcr.io/example/c:1.0.0', count: 1, app: 'a', since: 0 }],
        },
      ),
      host('h2', {}, { cordoned: true }),
      host('h3'),
    ]);
    assert.deepEqual(
      reconcile(desired, o).map((c) => `${c.type} ${'hostId' in c ? c.hostId : ''}`),
      ['start h3'],
    );
  });

  it('gives a running instance to the spread that has nowhere else to go, so one step converges', () => {
    // h00 matches s0 (which may borrow h01) and s2 (fallback: none, nowhere else): found by fast-check.
    const desired = [
      app('shop', [
        component('api', {
          kind: 'spread',
          instances: 3,
          spreads: [
            spread('s0', { zone: 'b' }, 1),
            spread('s1', { cloud: 'azure' }, 1),
            spread('s2', { cloud: 'aws' }, 1, 'none'),
          ],
        }),
      ]),
    ];
    const api = {
      name: 'api',
      ref: 'ghcr.io/example/api:1.0.0',
      count: 1,
      app: 'shop',
      since: 0,
      healthy: false,
    };
    const o = lattice([
      host('h00', { cloud: 'aws', zone: 'b' }, { cordoned: true, components: [{ ...api }] }),
      host('h01', { cloud: 'azure', zone: 'a' }),
      host('h02', { cloud: 'gcp', zone: 'a' }, { cordoned: true, components: [{ ...api }] }),
    ]);
    const { o: after, rounds } = converge(desired, o);
    assert.equal(rounds, 2, 'start, then stop the copy no spread can keep');
    assert.deepEqual(countsOf(after, 'api'), { h00: 1, h01: 2 });
  });

  it('stacks replicas on one host only when there are not enough distinct hosts', () => {
    const desired = [app('a', [component('c', { kind: 'spread', instances: 5, spreads: [] })])];
    const { o } = converge(desired, lattice([host('h1'), host('h2')]));
    assert.deepEqual(countsOf(o, 'c'), { h1: 3, h2: 2 });
  });
});

describe('daemonscaler placement', () => {
  it('runs N instances on every eligible matching host', () => {
    const desired = [
      app('edge', [
        component('cache', {
          kind: 'daemon',
          instances: 2,
          spreads: [spread('edge', { role: 'edge' })],
        }),
      ]),
    ];
    const o = lattice([
      host('e1', { role: 'edge' }),
      host('e2', { role: 'edge' }, { cordoned: true }),
      host('core', { role: 'core' }),
    ]);
    const { o: after } = converge(desired, o);
    assert.deepEqual(countsOf(after, 'cache'), { e1: 2 });
    assert.equal(appStatuses(desired, after)[0]?.state, 'Deployed');
    const none = lattice([host('core', { role: 'core' })]);
    assert.equal(appStatuses(desired, none)[0]?.state, 'Waiting');
  });
});

describe('capabilities', () => {
  it('run at most one per host; too few hosts is Waiting', () => {
    const desired = [
      app('kv', [
        component('redis', { kind: 'spread', instances: 3, spreads: [] }, { kind: 'capability' }),
      ]),
    ];
    const o = lattice([host('h1'), host('h2')]);
    const cmds = reconcile(desired, o);
    assert.deepEqual(
      cmds.map((c) => `${c.type} ${'hostId' in c ? c.hostId : ''}`),
      ['startProvider h1', 'startProvider h2'],
    );
    const after = applyCommands(o, cmds, 1);
    const [s] = appStatuses(desired, after);
    assert.equal(s?.state, 'Waiting');
    assert.match(s?.reason ?? '', /only 2 eligible hosts for 3 \(one per host\)/);
  });
});

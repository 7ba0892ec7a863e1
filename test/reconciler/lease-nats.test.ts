import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, subjectsFor } from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { leaseStatus, startLease, type Lease } from '../../src/reconciler/index.ts';
import { pollUntil, type LogFields, type Logger } from '../../src/support/index.ts';
import { tempDir } from '../support/tmp.ts';

/** A logger that keeps error lines, to check what an operator would be told. */
function errorsLogger(): Logger & { errors: { msg: string; fields: LogFields }[] } {
  const errors: { msg: string; fields: LogFields }[] = [];
  const self: Logger & { errors: typeof errors } = {
    errors,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (msg, fields = {}) => void errors.push({ msg, fields }),
    child: () => self,
  };
  return self;
}

/** The lease over a real nats-server: three reconcilers in this process, one connection each. */
describe('lease over NATS', { timeout: 60_000 }, () => {
  const dir = tempDir('aloft-lease-');
  let topo: Topology;
  const conns: NatsConnection[] = [];
  const leases: Lease[] = [];
  const members = ['a', 'b', 'c'];
  const lattice = 'lease';

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats`, jetstream: false });
  });
  after(async () => {
    for (const l of leases) await l.stop();
    for (const c of conns) await c.close();
    await topo.destroy();
    dir.remove();
  });
  const open = async (
    id: string,
    peers: string[],
    logger?: Logger,
  ): Promise<{ nc: NatsConnection; lease: Lease }> => {
    const nc = await connectLattice({ servers: topo.urls() });
    conns.push(nc);
    const lease = await startLease(nc, lattice, id, { peers, ...(logger ? { logger } : {}) });
    leases.push(lease);
    return { nc, lease };
  };
  const actingIds = async (nc: NatsConnection): Promise<string[]> =>
    (await leaseStatus(nc, lattice)).filter((s) => s.acting).map((s) => s.id);

  it('three reconcilers: exactly one acts, announced by reconciler_acting; when it stops, another acts at once with a larger epoch', async () => {
    const [a, b, c] = [
      await open('a', members),
      await open('b', members),
      await open('c', members),
    ];
    const announced: { id: string; epoch: number }[] = [];
    a.nc.subscribe(subjectsFor(lattice).event('reconciler_acting'), {
      callback: (_e, m) => {
        const ev = JSON.parse(new TextDecoder().decode(m.data)) as {
          data: { id: string; epoch: number };
        };
        announced.push(ev.data);
      },
    });
    const first = await pollUntil(
      async () => {
        const ids = await actingIds(a.nc);
        return ids.length === 1 ? ids[0] : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'one reconciler to act' },
    );
    const views = await leaseStatus(a.nc, lattice);
    assert.deepEqual(
      views.map((v) => [v.id, v.promisedTo]),
      members.map((m) => [m, first]),
      'every voter promised to the one that acts',
    );
    assert.deepEqual(
      [a, b, c].filter((x) => x.lease.isLeader()).map((x) => x.lease.status().id),
      [first],
    );
    const holder = [a, b, c].find((x) => x.lease.status().id === first)!;
    assert.equal(await holder.lease.confirm(), true, 'a majority renews on demand');
    const epoch = holder.lease.epoch();

    const stoppedAt = performance.now();
    await holder.lease.stop();
    const next = await pollUntil(() => announced.find((e) => e.id !== first && e.epoch > epoch), {
      timeoutMs: 5000,
      intervalMs: 10,
      what: 'another reconciler to act',
    });
    const ms = performance.now() - stoppedAt;
    console.log(
      `${first} stopped (epoch ${epoch}); ${next.id} acting ${Math.round(ms)} ms later, epoch ${next.epoch}`,
    );
    assert.ok(
      ms < 1000,
      `a released lease is taken within a second, not a lease period (${Math.round(ms)} ms)`,
    );
    assert.deepEqual(await actingIds(a.nc === holder.nc ? b.nc : a.nc), [next.id]);
    for (const x of [a, b, c]) if (x !== holder) await x.lease.stop();
  });

  it('a reconciler started with another --peers list is reported, and nobody acts while it is seen', async () => {
    const log = errorsLogger();
    const [x] = [await open('x', ['x', 'y', 'z'], log), await open('y', ['x', 'y', 'z'])];
    await pollUntil(() => (x.lease.isLeader() ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'x or y to act',
    }).catch(() => undefined);
    const alone = await open('w', ['w']); // a stray reconciler with the default (alone) list
    await pollUntil(() => (log.errors.length > 0 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the mismatch to be reported',
    });
    assert.equal(log.errors[0]?.msg, 'reconciler peers disagree: nobody acts until they match');
    assert.deepEqual(log.errors[0]?.fields.theirPeers, ['w']);
    await pollUntil(async () => ((await actingIds(alone.nc)).length === 0 ? true : undefined), {
      timeoutMs: 5000,
      intervalMs: 100,
      what: 'nobody to act',
    });
  });
});

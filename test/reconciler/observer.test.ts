// The reconciler's view of the lattice over real NATS: a host that does not send its inventory
// delays planning briefly, then planning goes on without it (or on its last inventory).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  connectLattice,
  encodeJson,
  openLatticeState,
  subjectsFor,
  type LatticeState,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { observeLattice } from '../../src/reconciler/index.ts';
import { pollUntil } from '../../src/support/index.ts';
import { hostEntry, manualView } from '../support/manual-view.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'observer';

describe('reconciler observer: hosts that do not send their inventory', { timeout: 60_000 }, () => {
  const dir = tempDir('aloft-observer-');
  let topo: Topology;
  let nc: NatsConnection;
  let state: LatticeState;
  const subs: Subscription[] = [];
  /** Whether each fake host answers inventory requests, and what it holds. */
  const answering = new Map<string, boolean>();
  const holding = new Map<string, number>();

  const fakeHost = (hostId: string): void => {
    answering.set(hostId, true);
    holding.set(hostId, 1);
    subs.push(
      nc.subscribe(subjectsFor(lattice).control('host.inventory', hostId), {
        callback: (_e, msg) => {
          if (!answering.get(hostId)) return; // silent, like a host cut off from its control
          const count = holding.get(hostId) ?? 0;
          msg.respond(
            encodeJson({
              hostId,
              components: [
                { name: 'web', ref: 'web.wasm', count, startedAt: new Date(0).toISOString() },
              ],
              providers: [],
            }),
          );
        },
      }),
    );
  };

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    state = await openLatticeState(nc, lattice);
    fakeHost('HA');
    fakeHost('HB');
    await nc.flush();
  });

  after(async () => {
    for (const s of subs) s.unsubscribe();
    await state.stop();
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  it('plans without a host that never sent one, after missingAfterMs, and with it once it does', async () => {
    const view = manualView();
    const observer = observeLattice(nc, lattice, view, state, undefined, {
      staleAfterMs: 300,
      missingAfterMs: 800,
    });
    try {
      answering.set('HB', false);
      view.set(hostEntry('HA', 1));
      view.set(hostEntry('HB', 1));
      const t0 = performance.now();
      await pollUntil(() => observer.observed(), {
        timeoutMs: 5000,
        intervalMs: 20,
        what: 'a plan',
      });
      const waited = performance.now() - t0;
      assert.ok(waited >= 700, `planned after ${Math.round(waited)} ms, before missingAfterMs`);
      assert.deepEqual(
        observer.observed()?.hosts.map((h) => h.hostId),
        ['HA'],
        'the silent host is left out',
      );
      answering.set('HB', true);
      await pollUntil(() => (observer.observed()?.hosts.length === 2 ? true : undefined), {
        timeoutMs: 5000,
        intervalMs: 20,
        what: 'both hosts once HB answers',
      });
    } finally {
      observer.stop();
    }
  });

  it('plans on the last inventory of a host whose new one does not come, after staleAfterMs', async () => {
    const view = manualView();
    const observer = observeLattice(nc, lattice, view, state, undefined, {
      staleAfterMs: 400,
      missingAfterMs: 5000,
    });
    try {
      answering.set('HA', true);
      answering.set('HB', true);
      holding.set('HA', 1);
      view.set(hostEntry('HA', 1));
      view.set(hostEntry('HB', 1));
      await pollUntil(() => observer.observed(), {
        timeoutMs: 5000,
        intervalMs: 20,
        what: 'a plan',
      });
      // HA's inventory changes (revision 2) but its answers stop: wait, then use revision 1's.
      answering.set('HA', false);
      holding.set('HA', 3);
      view.set(hostEntry('HA', 2));
      assert.equal(observer.observed(), undefined, 'waits for the new inventory at first');
      const t0 = performance.now();
      const seen = await pollUntil(() => observer.observed(), {
        timeoutMs: 5000,
        intervalMs: 20,
        what: 'a plan on the last inventory',
      });
      assert.ok(performance.now() - t0 >= 300);
      assert.equal(seen.hosts.find((h) => h.hostId === 'HA')?.components[0]?.count, 1);
      answering.set('HA', true);
      await pollUntil(
        () =>
          observer.observed()?.hosts.find((h) => h.hostId === 'HA')?.components[0]?.count === 3
            ? true
            : undefined,
        { timeoutMs: 5000, intervalMs: 20, what: 'the new inventory once HA answers' },
      );
    } finally {
      observer.stop();
    }
  });
});

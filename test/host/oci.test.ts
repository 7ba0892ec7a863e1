import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, sha256Of } from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { pullOci, pushOci, startHost, type Host } from '../../src/host/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { recordEvents, startComponent, text, utf8 } from '../support/lattice.ts';
import { startRegistry } from '../support/registry.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'oci';

describe('components from an OCI registry', { timeout: 120_000 }, () => {
  const dir = tempDir('aloft-oci-');
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let topo: Topology;
  let nc: NatsConnection;
  let host: Host;

  before(async () => {
    registry = await startRegistry(`${dir.path}/registry`);
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    host = await startHost({
      lattice,
      servers: topo.urls(),
      labels: {},
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    });
  });

  after(async () => {
    await host.stop(1000);
    await nc.close();
    await topo.destroy();
    await registry.stop();
    dir.remove();
  });

  it('pushes a component, pulls it by tag and by digest, verified, and runs it', async () => {
    const wasm = await signedFixture('probe-as');
    const pinned = await pushOci(`oci://${registry.address}/aloft/probe:1.0.0`, wasm);
    assert.match(pinned, /@sha256:[0-9a-f]{64}$/);
    const pulled = await pullOci(`${registry.address}/aloft/probe:1.0.0`, 5000);
    assert.equal(pulled.digest, `sha256:${await sha256Of(wasm)}`);
    assert.deepEqual(pulled.bytes, wasm);

    const events = recordEvents(nc, lattice, ['component_started', 'component_start_failed']);
    await startComponent(nc, lattice, host.id, { name: 'from-oci', ref: pinned });
    const ev = await events.waitFor('component_started', (d) => d.name === 'from-oci');
    assert.equal(ev.event.data.sha256, await sha256Of(wasm));
    assert.equal(text(await host.caller.call('from-oci', 'echo', utf8('oci'))), 'oci');

    await startComponent(nc, lattice, host.id, {
      name: 'no-such',
      ref: `oci://${registry.address}/aloft/missing:1`,
    });
    const failed = await events.waitFor('component_start_failed', (d) => d.name === 'no-such');
    assert.equal(failed.event.data.code, 'ARTIFACT_NOT_FOUND');
    events.stop();
  });
});

// Components use the blobstore capability through the aloft:platform/blobstore WIT import: an
// AssemblyScript component against NATS object stores on its own host, a TypeScript one against
// the in-memory backend on another host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice } from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { natsBlobStore } from '../../src/providers/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { control } from '../support/counter-app.ts';
import { recordEvents, startComponent, text, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'blobs';

describe('blobstore through the WIT import, NATS and memory backends', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-blobs-');
  let topo: Topology;
  let nc: NatsConnection;
  let a: Host;
  let b: Host;
  const ctl = (verb: Parameters<typeof control>[2], body: unknown, hostId?: string) =>
    control(nc, lattice, verb, body, hostId);

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    const common = {
      lattice,
      servers: topo.urls(),
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    };
    a = await startHost({ ...common, labels: {}, name: 'a' });
    b = await startHost({ ...common, labels: {}, name: 'b' });
    const events = recordEvents(nc, lattice, ['component_started', 'provider_started']);
    await ctl('provider.start', { name: 'objects', kind: 'blobstore-nats' }, a.id);
    await ctl('provider.start', { name: 'scratch', kind: 'blobstore-memory' }, b.id);
    const asRef = writeComponent(dir.path, 'probe-as', await signedFixture('probe-as'));
    const tsRef = writeComponent(dir.path, 'probe-ts', await signedFixture('probe-ts'));
    await startComponent(nc, lattice, a.id, { name: 'as', ref: asRef });
    await startComponent(nc, lattice, a.id, { name: 'ts', ref: tsRef });
    for (const name of ['as', 'ts']) {
      await events.waitFor('component_started', (d) => d.name === name, 120_000);
    }
    await events.waitFor('provider_started', (d) => d.name === 'objects');
    await events.waitFor('provider_started', (d) => d.name === 'scratch');
    events.stop();
    await a.view.waitFor((v) => v.get(b.id)?.providers.includes('scratch') ?? false, 5000);
  });

  after(async () => {
    await Promise.all([a.stop(1000), b.stop(1000)]);
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  it('an unlinked blobstore import names the missing link', async () => {
    await assert.rejects(
      a.caller.call('as', 'blob-get', utf8('x')),
      /LINK_MISSING: as has no link for blobstore; create one with: aloft link put as <provider> --interface blobstore/,
    );
  });

  it('AssemblyScript component, NATS object store on the same host: the objects land in NATS', async () => {
    await ctl('link.put', {
      source: 'as',
      target: 'objects',
      interface: 'wasi:blobstore/blobstore',
      config: { container_prefix: 'as_' },
    });
    await new Promise<void>((resolve) => {
      const has = (): boolean => a.latticeState.links().some((l) => l.source === 'as');
      if (has()) return resolve();
      const off = a.latticeState.onChange(() => has() && (off(), resolve()));
    });
    await a.caller.call('as', 'blob-put', utf8('report.txt=quarterly figures'));
    await a.caller.call('as', 'blob-put', utf8('a.txt=first'));
    assert.equal(
      text(await a.caller.call('as', 'blob-get', utf8('report.txt'))),
      'quarterly figures',
    );
    assert.equal(text(await a.caller.call('as', 'blob-exists', utf8('a.txt'))), 'true');
    assert.equal(text(await a.caller.call('as', 'blob-list', utf8(''))), 'a.txt,report.txt');
    const [name, size, digest, modified] = text(
      await a.caller.call('as', 'blob-info', utf8('report.txt')),
    ).split(' ');
    assert.equal(name, 'report.txt');
    assert.equal(size, '17');
    assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(Number.isFinite(Date.parse(modified ?? '')), modified);

    // The same object, read straight from the NATS object store (container prefix applied).
    const direct = natsBlobStore({ nc, lattice });
    assert.equal(text((await direct.get('as_probe', 'report.txt'))!), 'quarterly figures');
    assert.equal((await direct.info('as_probe', 'report.txt'))?.digest, digest);
    await direct.close();

    await a.caller.call('as', 'blob-del', utf8('a.txt'));
    assert.equal(text(await a.caller.call('as', 'blob-exists', utf8('a.txt'))), 'false');
    await assert.rejects(a.caller.call('as', 'blob-get', utf8('a.txt')), /NOT_FOUND/);
    await assert.rejects(a.caller.call('as', 'blob-put', utf8('=empty name')), /BLOB_INVALID/);
  });

  it('TypeScript component, in-memory backend on another host: calls cross the lattice', async () => {
    await ctl('link.put', { source: 'ts', target: 'scratch', interface: 'blobstore' });
    await new Promise<void>((resolve) => {
      const has = (): boolean => a.latticeState.links().some((l) => l.source === 'ts');
      if (has()) return resolve();
      const off = a.latticeState.onChange(() => has() && (off(), resolve()));
    });
    await a.caller.call('ts', 'blob-put', utf8('k=v1'));
    await a.caller.call('ts', 'blob-put', utf8('k=v2'));
    assert.equal(text(await a.caller.call('ts', 'blob-get', utf8('k'))), 'v2');
    assert.equal(text(await a.caller.call('ts', 'blob-list', utf8(''))), 'k');
    assert.match(
      text(await a.caller.call('ts', 'blob-info', utf8('k'))),
      /^k 2 sha256:[0-9a-f]{64} /,
    );
    await a.caller.call('ts', 'blob-del', utf8('k'));
    assert.equal(text(await a.caller.call('ts', 'blob-exists', utf8('k'))), 'false');
    // Nothing of it in NATS: the memory backend on host b served it.
    const direct = natsBlobStore({ nc, lattice });
    assert.equal(await direct.exists('probe', 'k'), false);
    await direct.close();
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import { bucketsFor, connectLattice, encodeJson, subjectsFor } from '../../src/lattice/index.ts';
import { freePort, startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import {
  openAppStore,
  startReconciler,
  type AppStore,
  type Reconciler,
} from '../../src/reconciler/index.ts';
import { recordEvents, writeComponent } from '../support/lattice.ts';
import { example } from '../support/samples.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'upgrade';

const manifest = (image: string, version: string): string => `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: web
  annotations:
    version: ${version}
spec:
  components:
    - name: web
      type: component
      properties:
        image: ${image}
      traits:
        - type: spreadscaler
          properties:
            instances: 3
`;

describe('declarative deployment: upgrades and bad manifests', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-upgrade-');
  let topo: Topology;
  let nc: NatsConnection;
  const hosts: Host[] = [];
  let reconciler: Reconciler;
  let apps: AppStore;
  let url: string;

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    for (const name of ['h1', 'h2', 'h3']) {
      hosts.push(
        await startHost({
          lattice,
          servers: topo.urls(),
          labels: {},
          name,
          cacheDir: `${dir.path}/cache`,
          security: TEST_TRUST,
        }),
      );
    }
    reconciler = await startReconciler({ nc, lattice, id: 'r1' });
    apps = await openAppStore(nc, lattice);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const events = recordEvents(nc, lattice, ['provider_started']);
    const s = subjectsFor(lattice);
    await nc.request(
      s.control('provider.start', hosts[0]?.id),
      encodeJson({ name: 'http', kind: 'http-server', config: { address: `127.0.0.1:${port}` } }),
      { timeout: 5000 },
    );
    await events.waitFor('provider_started');
    events.stop();
    await nc.request(
      s.control('link.put'),
      encodeJson({ source: 'http', target: 'web', interface: 'wasi:http/incoming-handler' }),
      { timeout: 5000 },
    );
  });

  after(async () => {
    await reconciler.stop();
    await Promise.all(hosts.map((h) => h.stop(1000)));
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  it('malformed manifests are refused with their position and change nothing in the lattice', async () => {
    const kv = await new Kvm(nc).open(bucketsFor(lattice).apps);
    const before = (await kv.status()).values;
    const bad = manifest('./web.wasm', 'v1').replace('instances: 3', 'instances: -3');
    await assert.rejects(apps.put(bad, 'web.yaml'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'MANIFEST_INVALID');
      assert.match(err.message, /web\.yaml/);
      return true;
    });
    await assert.rejects(apps.put('kind: [unclosed', 'broken.yaml'), { code: 'MANIFEST_INVALID' });
    assert.equal((await kv.status()).values, before, 'nothing was stored');
    assert.deepEqual(await apps.list(), []);
  });

  it('an upgrade under HTTP load has zero failed requests (new instances before old ones go)', async () => {
    const v1 = writeComponent(dir.path, 'echo', await example('echo-as'));
    const v2 = writeComponent(dir.path, 'hello', await example('hello-as'));
    await apps.put(manifest(v1, 'v1'), 'web.yaml');
    await apps.deploy('web', 'v1');
    const running = (ref: string): number =>
      hosts.reduce(
        (n, h) =>
          n +
          h
            .inventory()
            .components.filter((c) => c.name === 'web' && c.ref === ref)
            .reduce((m, c) => m + c.count, 0),
        0,
      );
    for (let i = 0; running(v1) < 3; i++) {
      if (i > 600) throw new Error('v1 never reached 3 instances');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; (await fetch(`${url}/ready`).catch(() => undefined))?.status !== 200; i++) {
      if (i > 200) throw new Error('the HTTP route never came up');
      await new Promise((r) => setTimeout(r, 50));
    }
    let ok = 0;
    const failures: string[] = [];
    const bodies = new Set<string>();
    let done = false;
    const load = (async () => {
      while (!done) {
        try {
          const res = await fetch(`${url}/upgrade`);
          const body = await res.text();
          if (res.status === 200) {
            ok++;
            bodies.add(body.startsWith('hello') ? 'v2' : 'v1');
          } else failures.push(`${res.status} ${body}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    await apps.put(manifest(v2, 'v2'), 'web.yaml');
    await apps.deploy('web', 'v2');
    for (let i = 0; running(v2) < 3 || running(v1) > 0; i++) {
      if (i > 1200)
        throw new Error(`upgrade did not complete: v1 ${running(v1)}, v2 ${running(v2)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 500));
    done = true;
    await load;
    console.log(`upgrade under load: ${ok} requests ok, ${failures.length} failed`);
    assert.deepEqual(failures, []);
    assert.ok(ok > 20, `only ${ok} requests`);
    assert.ok(bodies.has('v1') && bodies.has('v2'), 'served by both versions during the run');
  });
});

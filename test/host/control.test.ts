import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  decodeJson,
  encodeJson,
  openLatticeState,
  putArtifact,
  schemas,
  sha256Of,
  subjectsFor,
  type LatticeState,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { recordEvents, startComponent, text, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'ctl';

describe('host control interface, artifacts and lattice state', { timeout: 180_000 }, () => {
  const dir = tempDir('aloft-ctl-');
  let topo: Topology;
  let nc: NatsConnection;
  let a: Host;
  let b: Host;
  let wasm: Uint8Array;
  let http: Server;
  let httpUrl: string;

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    a = await startHost({
      lattice,
      servers: topo.urls(),
      labels: { cloud: 'aws' },
      name: 'a',
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    });
    b = await startHost({
      lattice,
      servers: topo.urls(),
      labels: { cloud: 'gcp' },
      name: 'b',
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    });
    wasm = await signedFixture('probe-as');
    http = createServer((req, res) => {
      if (req.url === '/probe.wasm') res.end(Buffer.from(wasm));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });

  after(async () => {
    await Promise.all([a.stop(1000), b.stop(1000)]);
    await nc.close();
    http.close();
    await topo.destroy();
    dir.remove();
  });

  const inventory = async (h: Host) =>
    decodeJson(
      (
        await nc.request(subjectsFor(lattice).control('host.inventory', h.id), encodeJson({}), {
          timeout: 3000,
        })
      ).data,
      schemas.EmptyRequest,
      'inventory',
    ) as unknown as ReturnType<Host['inventory']>;

  async function startAndWait(
    h: Host,
    name: string,
    ref: string,
  ): Promise<Record<string, unknown>> {
    const events = recordEvents(nc, lattice, ['component_started', 'component_start_failed']);
    try {
      await startComponent(nc, lattice, h.id, { name, ref });
      const ok = events.waitFor('component_started', (d) => d.name === name);
      const bad = events.waitFor('component_start_failed', (d) => d.name === name);
      const first = await Promise.race([ok, bad]);
      return { ...first.event.data, outcome: first.type };
    } finally {
      events.stop();
    }
  }

  it('runs components from a file path, an http URL and the lattice artifact store, verifying digests', async () => {
    const hex = await sha256Of(wasm);
    const file = writeComponent(dir.path, 'probe', wasm);
    assert.equal(
      (await startAndWait(a, 'from-file', `${file}#sha256=${hex}`)).outcome,
      'component_started',
    );
    assert.equal(
      (await startAndWait(a, 'from-url', `${httpUrl}/probe.wasm`)).outcome,
      'component_started',
    );
    const digestRef = await putArtifact(nc, lattice, wasm);
    assert.equal(digestRef, `sha256:${hex}`);
    assert.equal((await startAndWait(b, 'from-store', digestRef)).outcome, 'component_started');
    for (const name of ['from-file', 'from-url', 'from-store']) {
      const out = await a.caller.call(name, 'echo', utf8(name));
      assert.equal(text(out), name);
    }
    const inv = await inventory(b);
    assert.equal(inv.components.find((c) => c.name === 'from-store')?.sha256, hex);
  });

  it('refuses bytes whose digest does not match, and missing artifacts, with an event naming why', async () => {
    const file = writeComponent(dir.path, 'probe2', wasm);
    const pinned = await startAndWait(a, 'bad-pin', `${file}#sha256=${'0'.repeat(64)}`);
    assert.equal(pinned.outcome, 'component_start_failed');
    assert.equal(pinned.code, 'ARTIFACT_DIGEST_MISMATCH');
    const missing = await startAndWait(a, 'missing', `sha256:${'1'.repeat(64)}`);
    assert.equal(missing.code, 'ARTIFACT_NOT_FOUND');
    const notWasm = await startAndWait(a, 'not-wasm', new URL(import.meta.url).pathname);
    assert.equal(notWasm.outcome, 'component_start_failed');
    assert.match(String(notWasm.code), /^COMPONENT_/);
    assert.equal(
      a.inventory().components.some((c) => ['bad-pin', 'missing', 'not-wasm'].includes(c.name)),
      false,
    );
  });

  it('links and named config written through one host reach every process watching the state', async () => {
    const watcher: LatticeState = await openLatticeState(nc, lattice);
    await watcher.ready();
    const reply = await nc.request(
      subjectsFor(lattice).control('link.put'),
      encodeJson({
        source: 'orders',
        target: 'kv-redis',
        interface: 'aloft:platform/keyvalue',
        config: { bucket: 'orders' },
      }),
      { timeout: 3000 },
    );
    assert.ok(decodeJson(reply.data, schemas.Ack, 'ack').accepted);
    await nc.request(
      subjectsFor(lattice).control('config.put'),
      encodeJson({ name: 'orders', values: { currency: 'EUR' } }),
      { timeout: 3000 },
    );
    const converged = (): boolean =>
      watcher.links().some((l) => l.source === 'orders' && l.target === 'kv-redis') &&
      watcher.config('orders')?.currency === 'EUR';
    await new Promise<void>((resolve, reject) => {
      if (converged()) return resolve();
      const t = setTimeout(
        () => reject(new Error('the watcher did not converge within 5 s')),
        5000,
      );
      const off = watcher.onChange(() => {
        if (!converged()) return;
        clearTimeout(t);
        off();
        resolve();
      });
    });
    const del = await nc.request(
      subjectsFor(lattice).control('link.del'),
      encodeJson({ source: 'nope', interface: 'x' }),
      { timeout: 3000 },
    );
    assert.equal(del.headers?.get('Aloft-Error-Code'), 'NOT_FOUND');
    await watcher.stop();
  });

  // The property test of malformed control messages moved to test/security/fuzz-control.test.ts,
  // which covers every verb and the lattice state too.

  it('a same-host call runs in-process without a NATS message', async () => {
    await startAndWait(a, 'local-echo', writeComponent(dir.path, 'local', wasm));
    const outBefore = a.nc.stats().outMsgs;
    for (let i = 0; i < 50; i++)
      assert.equal(text(await a.caller.call('local-echo', 'echo', utf8(`l${i}`))), `l${i}`);
    const sent = a.nc.stats().outMsgs - outBefore;
    assert.ok(sent < 5, `${sent} NATS messages for 50 local calls (heartbeats only)`);
  });
});

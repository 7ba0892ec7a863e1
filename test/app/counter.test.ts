import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  encodeJson,
  subjectsFor,
  type ControlVerb,
} from '../../src/lattice/index.ts';
import { freePort, startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { recordEvents, startComponent, writeComponent } from '../support/lattice.ts';
import { example } from '../support/samples.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'sample';

/** The sample application, a real TypeScript component behind the real built-in providers. */
describe('sample app: counter over HTTP, key-value and messaging', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-sample-');
  let topo: Topology;
  let nc: NatsConnection;
  let app: Host;
  let edge: Host;
  let base: string;
  let ref: string;

  const ctl = async (verb: ControlVerb, body: unknown, hostId?: string): Promise<void> => {
    const reply = await nc.request(subjectsFor(lattice).control(verb, hostId), encodeJson(body), {
      timeout: 10_000,
    });
    assert.equal(reply.headers?.get('Aloft-Error') ?? '', '', `${verb} failed`);
  };
  const http = async (
    method: string,
    path: string,
  ): Promise<{ status: number; body: string; retryAfter: string | null }> => {
    const res = await fetch(`${base}${path}`, { method });
    return {
      status: res.status,
      body: await res.text(),
      retryAfter: res.headers.get('retry-after'),
    };
  };

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    const common = {
      lattice,
      servers: topo.urls(),
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    };
    app = await startHost({ ...common, labels: { role: 'app' }, name: 'app' });
    edge = await startHost({ ...common, labels: { role: 'edge' }, name: 'edge' });
    ref = writeComponent(dir.path, 'counter', await example('counter'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const events = recordEvents(nc, lattice, [
      'provider_started',
      'provider_start_failed',
      'component_started',
    ]);
    await ctl('provider.start', { name: 'kv', kind: 'keyvalue-nats' }, edge.id);
    await ctl('provider.start', { name: 'messaging', kind: 'messaging-nats' }, edge.id);
    await ctl(
      'provider.start',
      { name: 'http', kind: 'http-server', config: { address: `127.0.0.1:${port}` } },
      edge.id,
    );
    for (const name of ['kv', 'messaging', 'http']) {
      const ev = await Promise.race([
        events.waitFor('provider_started', (d) => d.name === name),
        events.waitFor('provider_start_failed', (d) => d.name === name),
      ]);
      assert.equal(ev.type, 'provider_started', JSON.stringify(ev.event.data));
    }
    await startComponent(nc, lattice, app.id, { name: 'counter', ref });
    await events.waitFor('component_started', (d) => d.name === 'counter', 120_000);
    events.stop();
    await ctl('link.put', { source: 'counter', target: 'kv', interface: 'wasi:keyvalue/store' });
    await ctl('link.put', {
      source: 'counter',
      target: 'messaging',
      interface: 'wasmcloud:messaging/consumer',
    });
    await ctl('link.put', {
      source: 'http',
      target: 'counter',
      interface: 'wasi:http/incoming-handler',
    });
    // Wait until the edge host's HTTP listener serves the route (it follows link changes).
    for (let i = 0; ; i++) {
      const r = await fetch(`${base}/health`).catch(() => undefined);
      if (r?.status === 200) break;
      if (i > 200) throw new Error('the HTTP route never came up');
      await new Promise((res) => setTimeout(res, 50));
    }
  });

  after(async () => {
    await Promise.all([app.stop(1000), edge.stop(1000)]);
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  it('component and providers on different hosts: HTTP in, key-value and messaging out', async () => {
    const changes: string[] = [];
    const sub = nc.subscribe('counters.changed', {
      callback: (_e, m) => {
        changes.push(m.string());
      },
    });
    await nc.flush();
    assert.deepEqual(await http('POST', '/counters/visits'), {
      status: 200,
      body: '{"name":"visits","value":1}',
      retryAfter: null,
    });
    assert.equal((await http('POST', '/counters/visits')).body, '{"name":"visits","value":2}');
    assert.equal((await http('GET', '/counters/visits')).body, '{"name":"visits","value":2}');
    assert.equal((await http('GET', '/counters')).body, '["visits"]');
    assert.equal((await http('GET', '/nope')).status, 404);
    await nc.flush();
    assert.deepEqual(changes, ['visits=1', 'visits=2']);
    sub.unsubscribe();
    assert.equal(app.inventory().components[0]?.name, 'counter');
    assert.equal(edge.inventory().components.length, 0, 'the component runs only on the app host');
  });

  it('component and providers on the same host: the same answers, capability calls in-process', async () => {
    const events = recordEvents(nc, lattice, ['component_started', 'component_stopped']);
    await startComponent(nc, lattice, edge.id, { name: 'counter', ref });
    await events.waitFor(
      'component_started',
      (d) => d.name === 'counter' && d.hostId === edge.id,
      120_000,
    );
    await ctl('component.stop', { name: 'counter' }, app.id);
    await events.waitFor('component_stopped', (d) => d.hostId === app.id);
    events.stop();
    const before = edge.nc.stats().outMsgs;
    assert.equal((await http('POST', '/counters/visits')).body, '{"name":"visits","value":3}');
    assert.equal((await http('DELETE', '/counters/visits')).status, 200);
    assert.equal((await http('GET', '/counters/visits')).body, '{"name":"visits","value":0}');
    // JetStream KV operations and the publish are NATS messages; no capability-call messages.
    const sent = edge.nc.stats().outMsgs - before;
    assert.ok(sent < 20, `${sent} messages for three requests`);
  });

  it('no instance can serve: the HTTP edge answers 503 with Retry-After', async () => {
    await ctl('component.stop', { name: 'counter' }, edge.id);
    for (let i = 0; i < 100 && edge.inventory().components.length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    const r = await http('GET', '/counters/visits');
    assert.equal(r.status, 503);
    assert.ok(r.retryAfter, 'Retry-After is set');
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, type ControlVerb } from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { control, deployCounterApp, httpCall, type HttpAnswer } from '../support/counter-app.ts';
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

  const ctl = (verb: ControlVerb, body: unknown, hostId?: string): Promise<void> =>
    control(nc, lattice, verb, body, hostId);
  const http = (method: string, path: string): Promise<HttpAnswer> => httpCall(base, method, path);

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
    base = await deployCounterApp(nc, lattice, {
      providerHost: edge.id,
      componentHost: app.id,
      ref,
    });
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

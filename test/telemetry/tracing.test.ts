import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  encodeJson,
  subjectsFor,
  watchHosts,
  type ControlVerb,
  type HostsView,
} from '../../src/lattice/index.ts';
import { freePort, startTopology, type Topology } from '../../src/nats/index.ts';
import { spawnHost, type HostProcess } from '../support/hosts.ts';
import { recordEvents, startComponent, writeComponent } from '../support/lattice.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp.ts';
import { example } from '../support/samples.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'tracing';
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

/**
 * One trace across two host processes: HTTP ingress and the component on "edge" (cloud aws), the
 * key-value provider on "store" (cloud gcp). Both export OTLP/HTTP to a receiver in this test.
 */
describe('tracing: ingress → component → key-value across two hosts', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-tracing-');
  let topo: Topology;
  let nc: NatsConnection;
  let view: HostsView;
  let otlp: OtlpReceiver;
  let edge: HostProcess;
  let store: HostProcess;
  let base: string;

  const ctl = async (verb: ControlVerb, body: unknown, hostId?: string): Promise<void> => {
    const reply = await nc.request(subjectsFor(lattice).control(verb, hostId), encodeJson(body), {
      timeout: 10_000,
    });
    assert.equal(reply.headers?.get('Aloft-Error') ?? '', '', `${verb} failed`);
  };
  const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
  const inTrace = (traceId: string): ReceivedSpan[] =>
    otlp.spans.filter((s) => s.traceId === traceId);
  const childOf = (spans: ReceivedSpan[], parent: ReceivedSpan | undefined): ReceivedSpan => {
    assert.ok(parent);
    const children = spans.filter((s) => s.parentSpanId === parent.spanId);
    assert.equal(
      children.length,
      1,
      `one child of ${parent.name}: ${children.map((c) => c.name).join(', ')}`,
    );
    return children[0] as ReceivedSpan;
  };

  before(async () => {
    otlp = await startOtlpReceiver();
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    view = await watchHosts(nc, { lattice });
    const common = { natsUrls: topo.urls(), lattice };
    const env = { OTEL_BSP_SCHEDULE_DELAY: '100' };
    [edge, store] = await Promise.all([
      // One host configured by flags, the other by the standard variables.
      spawnHost({
        ...common,
        name: 'edge',
        labels: { cloud: 'aws' },
        dataDir: `${dir.path}/edge`,
        env,
        args: ['--otlp-endpoint', otlp.endpoint, '--service-name', 'aloft-edge'],
      }),
      spawnHost({
        ...common,
        name: 'store',
        labels: { cloud: 'gcp' },
        dataDir: `${dir.path}/store`,
        env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint },
      }),
    ]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const events = recordEvents(nc, lattice, [
      'provider_started',
      'provider_start_failed',
      'component_started',
    ]);
    await ctl('provider.start', { name: 'kv', kind: 'keyvalue-memory' }, store.id);
    await ctl(
      'provider.start',
      { name: 'http', kind: 'http-server', config: { address: `127.0.0.1:${port}` } },
      edge.id,
    );
    for (const name of ['kv', 'http']) {
      const ev = await Promise.race([
        events.waitFor('provider_started', (d) => d.name === name),
        events.waitFor('provider_start_failed', (d) => d.name === name),
      ]);
      assert.equal(ev.type, 'provider_started', JSON.stringify(ev.event.data));
    }
    const ref = writeComponent(dir.path, 'counter', await example('counter'));
    await startComponent(nc, lattice, edge.id, { name: 'counter', ref });
    await events.waitFor('component_started', (d) => d.name === 'counter', 120_000);
    events.stop();
    await view.waitFor((v) => (v.get(store.id)?.providers ?? []).includes('kv'), 10_000);
    await ctl('link.put', { source: 'counter', target: 'kv', interface: 'keyvalue' });
    await ctl('link.put', {
      source: 'http',
      target: 'counter',
      interface: 'wasi:http/incoming-handler',
    });
    // The listener follows link changes; the key-value link must have reached the edge too.
    for (let i = 0; ; i++) {
      const r = await fetch(`${base}/counters/warmup`).catch(() => undefined);
      if (r?.status === 200) break;
      if (i > 200) throw new Error(`the route never served: ${r?.status} ${await r?.text()}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  });

  after(async () => {
    await Promise.all([edge?.stop(), store?.stop()]);
    await view?.stop();
    await nc?.close();
    await topo?.destroy();
    await otlp?.close();
    dir.remove();
  });

  it("continues the client's traceparent: ingress → component → capability → provider on the other host", async () => {
    const traceId = hex(16);
    const clientSpan = hex(8);
    const res = await fetch(`${base}/counters/visits`, {
      headers: { traceparent: `00-${traceId}-${clientSpan}-01`, tracestate: 'bank=1' },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"name":"visits","value":0}');
    await otlp.waitFor(() =>
      inTrace(traceId).some((s) => s.resource['service.instance.id'] === store.id),
    );
    // Edge exports its spans in the same batch or earlier: the store's span ends last.
    await otlp.waitFor(() => inTrace(traceId).length >= 4);
    const spans = inTrace(traceId);
    assert.equal(spans.length, 4, spans.map((s) => s.name).join(', '));

    const ingress = spans.find((s) => s.parentSpanId === clientSpan);
    assert.ok(ingress, 'the ingress span is a child of the client span');
    assert.equal(ingress.name, 'GET counter');
    assert.equal(ingress.kind, SERVER);
    assert.equal(ingress.attributes['http.response.status_code'], 200);
    assert.equal(ingress.attributes['url.path'], '/counters/visits');
    assert.equal(ingress.resource['service.name'], 'aloft-edge');

    const component = childOf(spans, ingress);
    assert.equal(component.name, 'counter $http');
    assert.equal(component.kind, SERVER);
    assert.deepEqual(
      {
        host: component.attributes['aloft.host.id'],
        cloud: component.attributes['aloft.cloud'],
        component: component.attributes['aloft.component'],
        operation: component.attributes['aloft.operation'],
        outcome: component.attributes['aloft.outcome'],
        lattice: component.attributes['aloft.lattice'],
      },
      {
        host: edge.id,
        cloud: 'aws',
        component: 'counter',
        operation: '$http',
        outcome: 'ok',
        lattice,
      },
    );
    assert.equal(component.resource['service.instance.id'], edge.id);

    const capability = childOf(spans, component);
    assert.equal(capability.name, 'keyvalue.get');
    assert.equal(capability.kind, CLIENT);
    assert.equal(capability.attributes['aloft.provider'], 'kv');
    assert.equal(capability.resource['service.instance.id'], edge.id);

    const provider = childOf(spans, capability);
    assert.equal(provider.name, 'kv keyvalue.get');
    assert.equal(provider.kind, SERVER);
    assert.equal(provider.attributes['aloft.cloud'], 'gcp');
    assert.equal(provider.attributes['aloft.outcome'], 'ok');
    assert.equal(provider.resource['service.instance.id'], store.id);
    assert.equal(provider.resource['service.name'], 'aloft-host');
    assert.equal(provider.resource['aloft.host.name'], 'store');
  });

  it('starts a trace at the ingress when the request carries none', async () => {
    const before = new Set(otlp.spans.map((s) => s.traceId));
    const res = await fetch(`${base}/counters/fresh`);
    assert.equal(res.status, 200);
    const isNewRoot = (s: ReceivedSpan): boolean =>
      !before.has(s.traceId) && s.name === 'GET counter' && s.parentSpanId === undefined;
    await otlp.waitFor((all) => {
      const root = all.find(isNewRoot);
      return root !== undefined && all.filter((s) => s.traceId === root.traceId).length >= 4;
    });
    const root = otlp.spans.find(isNewRoot) as ReceivedSpan;
    const spans = inTrace(root.traceId);
    const component = childOf(spans, root);
    const capability = childOf(spans, component);
    const provider = childOf(spans, capability);
    assert.equal(provider.resource['service.instance.id'], store.id);
  });

  it('an unsampled request exports nothing; context still reaches the component', async () => {
    const unsampled = hex(16);
    const sampled = hex(16);
    await fetch(`${base}/counters/a`, { headers: { traceparent: `00-${unsampled}-${hex(8)}-00` } });
    await fetch(`${base}/counters/b`, { headers: { traceparent: `00-${sampled}-${hex(8)}-01` } });
    // Each host exports in order: once the later trace has arrived whole, the earlier would have.
    await otlp.waitFor(() => inTrace(sampled).length >= 4);
    assert.equal(inTrace(unsampled).length, 0);
  });

  it('failures are marked on the spans where they happen', async () => {
    await ctl('link.del', { source: 'counter', interface: 'keyvalue', name: 'default' });
    // The deletion reaches the edge through its state watch: ask until the component notices.
    let failed: string | undefined;
    for (let i = 0; i < 100 && !failed; i++) {
      const traceId = hex(16);
      const res = await fetch(`${base}/counters/visits`, {
        headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
      });
      if (res.status === 500) failed = traceId;
      else assert.equal(res.status, 200);
    }
    assert.ok(failed, 'the component answers 500 once its link is gone');
    const traceId = failed;
    await otlp.waitFor(() => inTrace(traceId).length >= 3);
    const spans = inTrace(traceId);
    assert.equal(
      spans.length,
      3,
      `no provider span without a link: ${spans.map((s) => s.name).join(', ')}`,
    );
    const ingress = spans.find((s) => s.name === 'GET counter');
    assert.equal(ingress?.status, ERROR);
    assert.equal(ingress?.attributes['http.response.status_code'], 500);
    const component = childOf(spans, ingress);
    // The component handled the failure and answered: its invocation itself succeeded.
    assert.equal(component.attributes['aloft.outcome'], 'ok');
    const capability = childOf(spans, component);
    assert.equal(capability.name, 'keyvalue.get');
    assert.equal(capability.status, ERROR);
    assert.equal(capability.attributes['aloft.outcome'], 'LINK_MISSING');
    assert.match(capability.statusMessage ?? '', /LINK_MISSING: counter has no link for keyvalue/);
  });
});

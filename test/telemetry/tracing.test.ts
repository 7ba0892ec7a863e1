import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  createCaller,
  encodeJson,
  subjectsFor,
  watchHosts,
  type ControlVerb,
  type HostsView,
} from '../../src/lattice/index.ts';
import { freePort, startTopology, type Topology } from '../../src/nats/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { aloft } from '../support/cli.ts';
import { spawnHost, type HostProcess } from '../support/hosts.ts';
import { recordEvents, startComponent, utf8, writeComponent } from '../support/lattice.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp.ts';
import { example } from '../support/samples.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'tracing';
const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const ERROR = 2;

/**
 * One trace across two host processes: HTTP ingress and the component on "edge" (cloud aws), the
 * key-value provider on "store" (cloud gcp). Both export OTLP/HTTP to a receiver in this test.
 * Messaging: counter publishes through the `pub` provider on edge; `sub` on store delivers to
 * `audit` (the probe component, on edge: it writes what it receives to key-value) and to
 * `responder` (echo, on store: it answers requests).
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
  /** The one child of `parent` named `name` (a span may have several children). */
  const child = (spans: ReceivedSpan[], parent: ReceivedSpan | undefined, name: string) => {
    assert.ok(parent);
    const found = spans.filter((s) => s.parentSpanId === parent.spanId && s.name === name);
    assert.equal(
      found.length,
      1,
      `one "${name}" under ${parent.name}; its children: ${spans
        .filter((s) => s.parentSpanId === parent.spanId)
        .map((s) => s.name)
        .join(', ')}`,
    );
    return found[0] as ReceivedSpan;
  };
  /** Where a span ran and what it is, for one comparison per span. */
  const shape = (span: ReceivedSpan) => ({
    name: span.name,
    kind: span.kind,
    host: span.resource['service.instance.id'],
    outcome: span.attributes['aloft.outcome'],
  });

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
    await ctl('provider.start', { name: 'pub', kind: 'messaging-nats' }, edge.id);
    await ctl('provider.start', { name: 'sub', kind: 'messaging-nats' }, store.id);
    for (const name of ['kv', 'http', 'pub', 'sub']) {
      const ev = await Promise.race([
        events.waitFor('provider_started', (d) => d.name === name),
        events.waitFor('provider_start_failed', (d) => d.name === name),
      ]);
      assert.equal(ev.type, 'provider_started', JSON.stringify(ev.event.data));
    }
    const ref = writeComponent(dir.path, 'counter', await example('counter'));
    await startComponent(nc, lattice, edge.id, { name: 'counter', ref });
    const probe = writeComponent(dir.path, 'probe', await signedFixture('probe-as'));
    await startComponent(nc, lattice, edge.id, { name: 'audit', ref: probe });
    const echo = writeComponent(dir.path, 'echo', await example('echo-as'));
    await startComponent(nc, lattice, store.id, { name: 'responder', ref: echo });
    for (const name of ['counter', 'audit', 'responder'])
      await events.waitFor('component_started', (d) => d.name === name, 120_000);
    events.stop();
    await view.waitFor((v) => (v.get(store.id)?.providers ?? []).includes('sub'), 10_000);
    await ctl('link.put', { source: 'counter', target: 'kv', interface: 'keyvalue' });
    await ctl('link.put', {
      source: 'http',
      target: 'counter',
      interface: 'wasi:http/incoming-handler',
    });
    await ctl('link.put', { source: 'counter', target: 'pub', interface: 'messaging' });
    await ctl('link.put', { source: 'audit', target: 'kv', interface: 'keyvalue' });
    await ctl('link.put', {
      source: 'audit',
      target: 'sub',
      interface: 'messaging',
      config: { subscriptions: 'counters.changed' },
    });
    await ctl('link.put', {
      source: 'responder',
      target: 'sub',
      interface: 'messaging',
      config: { subscriptions: 'svc.echo' },
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

  it('continues the trace through a published message: ingress → counter → publish → the subscriber on another host → its key-value call', async () => {
    // The subscriptions start when the links reach the store host: until the first delivery is
    // seen, a published message may find no subscriber.
    for (let i = 0; !otlp.spans.some((s) => s.name === 'audit $message'); i++) {
      assert.ok(i < 40, 'audit never received counters.changed');
      assert.equal((await fetch(`${base}/counters/warmup`, { method: 'POST' })).status, 200);
      await otlp
        .waitFor((all) => all.some((s) => s.name === 'audit $message'), 500)
        .catch(() => {});
    }
    const traceId = hex(16);
    const clientSpan = hex(8);
    const res = await fetch(`${base}/counters/orders`, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-${clientSpan}-01` },
    });
    assert.equal(res.status, 200, await res.clone().text());
    // The two hosts export in their own batches: wait for every span the chain needs.
    const chain = [
      'POST counter',
      'counter $http',
      'messaging.publish',
      'pub messaging.publish',
      'publish counters.changed',
      'process counters.changed',
      'audit $message',
      'keyvalue.set',
      'kv keyvalue.set',
    ];
    await otlp.waitFor(
      () => chain.every((name) => inTrace(traceId).some((s) => s.name === name)),
      15_000,
    );
    const spans = inTrace(traceId);

    const ingress = spans.find((s) => s.parentSpanId === clientSpan);
    assert.equal(ingress?.name, 'POST counter');
    const counter = child(spans, ingress, 'counter $http');
    const publish = child(spans, counter, 'messaging.publish');
    const provider = child(spans, publish, 'pub messaging.publish');
    const producer = child(spans, provider, 'publish counters.changed');
    const consumer = child(spans, producer, 'process counters.changed');
    const delivered = child(spans, consumer, 'audit $message');
    const kvCall = child(spans, delivered, 'keyvalue.set');
    const kvServed = child(spans, kvCall, 'kv keyvalue.set');
    assert.deepEqual(
      [publish, provider, producer, consumer, delivered, kvCall, kvServed].map(shape),
      [
        { name: 'messaging.publish', kind: CLIENT, host: edge.id, outcome: 'ok' },
        { name: 'pub messaging.publish', kind: INTERNAL, host: edge.id, outcome: 'ok' },
        { name: 'publish counters.changed', kind: PRODUCER, host: edge.id, outcome: 'ok' },
        // The trace crossed the message's NATS headers into the other process…
        { name: 'process counters.changed', kind: CONSUMER, host: store.id, outcome: 'ok' },
        // …and back over a call to the subscriber component on the edge host.
        { name: 'audit $message', kind: SERVER, host: edge.id, outcome: 'ok' },
        { name: 'keyvalue.set', kind: CLIENT, host: edge.id, outcome: 'ok' },
        { name: 'kv keyvalue.set', kind: SERVER, host: store.id, outcome: 'ok' },
      ],
    );
    assert.deepEqual(
      {
        system: producer.attributes['messaging.system'],
        destination: producer.attributes['messaging.destination.name'],
        component: producer.attributes['aloft.component'],
      },
      { system: 'nats', destination: 'counters.changed', component: 'counter' },
    );
    assert.deepEqual(
      {
        destination: consumer.attributes['messaging.destination.name'],
        group: consumer.attributes['messaging.consumer.group.name'],
        component: consumer.attributes['aloft.component'],
        cloud: consumer.attributes['aloft.cloud'],
      },
      { destination: 'counters.changed', group: 'audit.default', component: 'audit', cloud: 'gcp' },
    );
  });

  it('aloft call is traced when OTEL_* is set, and a request through messaging continues the trace to the responder', async () => {
    // The responder answers once its subscription is up.
    const caller = createCaller(nc, { lattice, view });
    for (let i = 0; ; i++) {
      const out = await caller
        .call('audit', 'request', utf8('svc.echo'), { timeoutMs: 3000 })
        .catch((err: unknown) => err as Error);
      if (out instanceof Uint8Array) break;
      assert.ok(i < 40, `the responder never answered: ${out.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const traceId = hex(16);
    const scriptSpan = hex(8);
    const called = await aloft(
      [
        'call',
        'audit',
        'request',
        '--data',
        'svc.echo',
        '--nats-url',
        topo.urls().join(','),
        '--lattice',
        lattice,
      ],
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        // A script's trace, handed to the command through its environment.
        TRACEPARENT: `00-${traceId}-${scriptSpan}-01`,
      },
    );
    assert.equal(called.code, 0, called.stderr);
    // probe's `request` answers "<reply subject>:<reply body>": echo sent "ping" back.
    assert.match(called.stdout, /^_INBOX\.[^:]+:ping\n$/);
    const chain = [
      'call audit request',
      'audit request',
      'messaging.request',
      'sub messaging.request',
      'request svc.echo',
      'process svc.echo',
      'responder $message',
      'messaging.publish',
      'sub messaging.publish',
      'publish (temporary)',
    ];
    await otlp.waitFor(
      () => chain.every((name) => inTrace(traceId).some((s) => s.name === name)),
      15_000,
    );
    const spans = inTrace(traceId);

    const cli = spans.find((s) => s.parentSpanId === scriptSpan);
    assert.ok(cli, 'the CLI span continues TRACEPARENT');
    assert.deepEqual(
      { name: cli.name, kind: cli.kind, service: cli.resource['service.name'] },
      { name: 'call audit request', kind: CLIENT, service: 'aloft-cli' },
    );
    const invocation = child(spans, cli, 'audit request');
    const request = child(spans, invocation, 'messaging.request');
    const served = child(spans, request, 'sub messaging.request');
    const sent = child(spans, served, 'request svc.echo');
    const processed = child(spans, sent, 'process svc.echo');
    const responder = child(spans, processed, 'responder $message');
    const reply = child(spans, responder, 'messaging.publish');
    const replied = child(spans, reply, 'sub messaging.publish');
    const producer = child(spans, replied, 'publish (temporary)');
    assert.deepEqual(
      [invocation, request, served, sent, processed, responder, reply, replied, producer].map(
        shape,
      ),
      [
        { name: 'audit request', kind: SERVER, host: edge.id, outcome: 'ok' },
        { name: 'messaging.request', kind: CLIENT, host: edge.id, outcome: 'ok' },
        { name: 'sub messaging.request', kind: SERVER, host: store.id, outcome: 'ok' },
        { name: 'request svc.echo', kind: CLIENT, host: store.id, outcome: 'ok' },
        { name: 'process svc.echo', kind: CONSUMER, host: store.id, outcome: 'ok' },
        { name: 'responder $message', kind: SERVER, host: store.id, outcome: 'ok' },
        { name: 'messaging.publish', kind: CLIENT, host: store.id, outcome: 'ok' },
        { name: 'sub messaging.publish', kind: INTERNAL, host: store.id, outcome: 'ok' },
        { name: 'publish (temporary)', kind: PRODUCER, host: store.id, outcome: 'ok' },
      ],
    );
    assert.equal(producer.attributes['messaging.destination.temporary'], true);
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

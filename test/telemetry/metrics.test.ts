import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  createCaller,
  watchHosts,
  type HostsView,
  type LatticeCaller,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { openAppStore } from '../../src/reconciler/index.ts';
import { pollUntil } from '../../src/support/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { aloft } from '../support/cli.ts';
import { spawnHost, type HostProcess } from '../support/hosts.ts';
import { recordEvents, utf8, writeComponent } from '../support/lattice.ts';
import { assertHistogramConsistent, scrape, type Scrape } from '../support/prometheus.ts';
import { spawnReconciler } from '../support/reconciler.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'metrics';

const manifest = (image: string): string => `
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: probe-app
  annotations:
    version: v1
spec:
  components:
    - name: probe
      type: component
      properties:
        image: ${image}
      traits:
        - type: spreadscaler
          properties:
            instances: 1
            spread:
              - name: aws
                requirements:
                  cloud: aws
                aloft.dev/fallback: none
        - type: link
          properties:
            target:
              name: kv
            namespace: aloft
            package: platform
            interfaces: [keyvalue]
    - name: kv
      type: capability
      properties:
        image: aloft:keyvalue-memory
      traits:
        - type: spreadscaler
          properties:
            instances: 1
            spread:
              - name: gcp
                requirements:
                  cloud: gcp
                aloft.dev/fallback: none
`;

/** Real hosts and a real reconciler, each serving /metrics; scraped over HTTP before and after. */
describe('Prometheus metrics of hosts and reconcilers', { timeout: 180_000 }, () => {
  const dir = tempDir('aloft-metrics-');
  let topo: Topology;
  let nc: NatsConnection;
  let view: HostsView;
  let caller: LatticeCaller;
  let aws: HostProcess;
  let gcp: HostProcess;
  let reconciler: Awaited<ReturnType<typeof spawnReconciler>>;
  let startsObserved = 0;
  let providerStartsObserved = 0;

  const url = (p: { metricsUrl: string | undefined }): string => {
    assert.ok(p.metricsUrl, 'the process announced its metrics URL');
    return p.metricsUrl;
  };
  const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string>) =>
    (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    view = await watchHosts(nc, { lattice });
    const common = { natsUrls: topo.urls(), lattice, heartbeatMs: 250 };
    [aws, gcp, reconciler] = await Promise.all([
      spawnHost({
        ...common,
        name: 'm-aws',
        labels: { cloud: 'aws' },
        dataDir: `${dir.path}/aws`,
        args: ['--metrics-port', '127.0.0.1:0'],
      }),
      // The environment variable works as well as the flag.
      spawnHost({
        ...common,
        name: 'm-gcp',
        labels: { cloud: 'gcp' },
        dataDir: `${dir.path}/gcp`,
        env: { ALOFT_METRICS_PORT: '127.0.0.1:0' },
      }),
      spawnReconciler({
        natsUrls: topo.urls(),
        lattice,
        id: 'r-metrics',
        args: ['--metrics-port', '127.0.0.1:0'],
      }),
    ]);
    await view.waitFor((v) => v.entries().length === 2, 20_000);
    const events = recordEvents(nc, lattice, [
      'provider_started',
      'provider_start_failed',
      'component_started',
    ]);
    // Deploy once the reconciler sees both hosts (its own metrics say so), so that its first
    // plan is its only one.
    await pollUntil(
      async () =>
        (await scrape(url(reconciler))).value('aloft_lattice_hosts') === 2 ? true : undefined,
      { timeoutMs: 20_000, intervalMs: 100, what: 'the reconciler to see both hosts' },
    );
    const apps = await openAppStore(nc, lattice);
    const stored = await apps.put(
      manifest(writeComponent(dir.path, 'probe', await signedFixture('probe-as'))),
      'probe.yaml',
    );
    await apps.deploy(stored.app);
    await events.waitFor('component_started', (d) => d.name === 'probe', 60_000);
    await events.waitFor('provider_started', (d) => d.name === 'kv', 60_000);
    await view.waitFor((v) => (v.get(aws.id)?.components.probe ?? 0) === 1, 20_000);
    startsObserved = events.seen.filter((e) => e.type === 'component_started').length;
    providerStartsObserved = events.seen.filter((e) => e.type === 'provider_started').length;
    assert.equal(events.seen.filter((e) => e.type === 'provider_start_failed').length, 0);
    events.stop();
    caller = createCaller(nc, { lattice, view });
    // The link reaches the component's host through its state watch: wait until it serves.
    await pollUntil(() => caller.call('probe', 'kv-set', utf8('warm=up')).then(() => true), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the link to reach the component host',
    });
  });

  after(async () => {
    await Promise.all([aws?.stop(), gcp?.stop(), reconciler?.stop()]);
    await view?.stop();
    await nc?.close();
    await topo?.destroy();
    dir.remove();
  });

  it('counters move by exactly the calls made; histograms stay consistent', async () => {
    const [a0, g0] = await Promise.all([scrape(url(aws)), scrape(url(gcp))]);
    for (let i = 0; i < 7; i++) await caller.call('probe', 'echo', utf8(`hi ${i}`));
    for (let i = 0; i < 3; i++) {
      await assert.rejects(caller.call('probe', 'fail', utf8('')), { code: 'PROBE_FAILED' });
    }
    for (let i = 0; i < 4; i++) await caller.call('probe', 'kv-set', utf8(`k${i}=v${i}`));
    const [a1, g1] = await Promise.all([scrape(url(aws)), scrape(url(gcp))]);

    const inv = 'aloft_component_invocations_total';
    assert.equal(delta(a0, a1, inv, { component: 'probe', operation: 'echo', outcome: 'ok' }), 7);
    assert.equal(
      delta(a0, a1, inv, { component: 'probe', operation: 'fail', outcome: 'error' }),
      3,
    );
    assert.equal(delta(a0, a1, inv, { component: 'probe', operation: 'fail', outcome: 'ok' }), 0);
    assert.equal(delta(a0, a1, inv, { component: 'probe', operation: 'kv-set', outcome: 'ok' }), 4);
    assert.equal(
      delta(a0, a1, 'aloft_component_invocation_errors_total', {
        component: 'probe',
        operation: 'fail',
        code: 'PROBE_FAILED',
      }),
      3,
    );
    const dur = 'aloft_component_invocation_duration_seconds';
    for (const [operation, n] of [
      ['echo', 7],
      ['fail', 3],
      ['kv-set', 4],
    ] as const) {
      assert.equal(delta(a0, a1, `${dur}_count`, { component: 'probe', operation }), n);
      const le1 = delta(a0, a1, `${dur}_bucket`, { component: 'probe', operation, le: '1' });
      assert.equal(le1, n, `every ${operation} call took under a second`);
      assert.ok(delta(a0, a1, `${dur}_sum`, { component: 'probe', operation }) > 0);
    }
    assertHistogramConsistent(a1, dur);
    assert.equal(
      delta(a0, a1, 'aloft_capability_calls_total', {
        component: 'probe',
        interface: 'keyvalue',
        outcome: 'ok',
      }),
      4,
    );
    // The key-value provider runs on the other host: it counts the calls it served.
    const provider = { provider: 'kv', interface: 'keyvalue' };
    assert.equal(
      delta(g0, g1, 'aloft_provider_calls_total', { ...provider, function: 'set', outcome: 'ok' }),
      4,
    );
    assert.equal(delta(g0, g1, 'aloft_provider_call_duration_seconds_count', provider), 4);
    assertHistogramConsistent(g1, 'aloft_provider_call_duration_seconds');
    // Nothing was served by the host that does not run the component.
    assert.equal(g1.samples(inv, { component: 'probe' }).length, 0);
  });

  it('instances, identity, providers, heartbeats and process figures', async () => {
    const a = await scrape(url(aws));
    assert.equal(a.value('aloft_component_instances', { component: 'probe' }), 1);
    assert.equal(a.value('aloft_component_in_flight', { component: 'probe' }), 0);
    assert.equal(
      a.value('aloft_host_info', { host_id: aws.id, host: 'm-aws', lattice, cloud: 'aws' }),
      1,
    );
    assert.equal(a.value('aloft_lattice_hosts'), 2);
    assert.equal(a.value('aloft_nats_connected'), 1);
    assert.ok((a.value('process_cpu_seconds_total') ?? 0) > 0);
    assert.ok((a.value('process_resident_memory_bytes') ?? 0) > 10_000_000);
    const g = await scrape(url(gcp));
    assert.equal(
      g.value('aloft_provider_instances', { provider: 'kv', kind: 'keyvalue-memory' }),
      1,
    );
    assert.equal(g.samples('aloft_component_instances').length, 0);

    // Heartbeats: wait for the next beat of each host, then both counters have moved.
    const sentBefore = a.value('aloft_heartbeats_sent_total') ?? 0;
    const seenBefore = g.value('aloft_heartbeats_observed_total') ?? 0;
    assert.ok(sentBefore > 0 && seenBefore > 0);
    let beats = 0;
    await view.waitFor(() => ++beats > 4, 5000); // four more beats from the two hosts
    const [a2, g2] = await Promise.all([scrape(url(aws)), scrape(url(gcp))]);
    assert.ok((a2.value('aloft_heartbeats_sent_total') ?? 0) > sentBefore);
    assert.ok((g2.value('aloft_heartbeats_observed_total') ?? 0) > seenBefore);
  });

  it('the reconciler reports its lease, rounds and exactly the commands it issued', async () => {
    const r = await scrape(url(reconciler));
    assert.equal(r.value('aloft_reconciler_leader'), 1);
    assert.ok((r.value('aloft_reconciler_lease_epoch') ?? 0) >= 1);
    assert.equal(r.value('aloft_reconciler_info', { reconciler: 'r-metrics', lattice }), 1);
    assert.ok((r.value('aloft_reconcile_duration_seconds_count') ?? 0) > 0);
    assertHistogramConsistent(r, 'aloft_reconcile_duration_seconds');
    // Every start it sent became a component_started event, and nothing else started anything.
    assert.ok(startsObserved >= 1);
    assert.equal(
      r.value('aloft_reconcile_commands_total', { type: 'start', outcome: 'sent' }),
      startsObserved,
    );
    assert.equal(
      r.value('aloft_reconcile_commands_total', { type: 'startProvider', outcome: 'sent' }),
      providerStartsObserved,
    );
    assert.equal(r.samples('aloft_reconcile_commands_total', { outcome: 'failed' }).length, 0);
    assert.equal(r.value('aloft_lattice_hosts'), 2);
    assert.ok((r.value('aloft_heartbeats_observed_total') ?? 0) > 0);
  });

  it('a NATS outage is counted once as a disconnect and once as a reconnect by every process', async () => {
    const urls = [url(aws), url(gcp), url(reconciler)];
    for (const u of urls) {
      const s = await scrape(u);
      assert.equal(s.value('aloft_nats_disconnects_total'), 0, u);
      assert.equal(s.value('aloft_nats_reconnects_total'), 0, u);
    }
    const [server] = topo.servers();
    assert.ok(server);
    server.signal('SIGKILL');
    await server.exited;
    await topo.restart(topo.clouds[0] ?? 'local');
    for (const u of urls) {
      // The endpoint is the only way to see inside another process: poll it until it reconnected.
      const s = await pollUntil(
        async () => {
          const s = await scrape(u);
          return s.value('aloft_nats_reconnects_total') === 1 ? s : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 100, what: `a reconnect reported by ${u}` },
      );
      assert.equal(s.value('aloft_nats_disconnects_total'), 1, u);
      assert.equal(s.value('aloft_nats_connected'), 1, u);
    }
  });

  it('bad metrics settings are refused with the flag or variable named', async () => {
    const bad = await aloft(['host', '--metrics-port', 'nonsense']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--metrics-port "nonsense" is not a port or host:port/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    const env = await aloft(['reconciler'], { ALOFT_METRICS_PORT: '99999' });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /ALOFT_METRICS_PORT "99999" is not a port/);
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const busy = await aloft(['host', '--metrics-port', `127.0.0.1:${port}`]);
      assert.equal(busy.code, 3);
      assert.match(busy.stderr, /metrics endpoint cannot listen on 127\.0\.0\.1:\d+.*EADDRINUSE/);
    } finally {
      holder.close();
    }
    const sampler = await aloft(['host'], { OTEL_TRACES_SAMPLER: 'sometimes' });
    assert.equal(sampler.code, 2);
    assert.match(sampler.stderr, /OTEL_TRACES_SAMPLER "sometimes" is not a sampler/);
  });
});

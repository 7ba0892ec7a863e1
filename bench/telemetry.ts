/**
 * `npm run bench -- telemetry`: what metrics and tracing cost on the call path. Four in-process
 * hosts on one NATS server, each running the same no-op component: no telemetry (the baseline),
 * tracing off but the call carrying a traceparent (passed on unchanged), Prometheus metrics,
 * and metrics + tracing exporting OTLP/HTTP to a local receiver. Same-host calls show the
 * overhead most plainly (no network hop); calls from another process add NATS. Rounds are
 * interleaved so that the shared machine's noise falls on every configuration alike.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost, type Host } from '../src/host/index.ts';
import {
  connectLattice,
  createCaller,
  watchHosts,
  type LatticeCaller,
} from '../src/lattice/index.ts';
import { startNatsServer } from '../src/nats/index.ts';
import { hostInstruments } from '../src/host/instrument.ts';
import {
  createRegistry,
  createTracing,
  noopTracing,
  tracingConfig,
  type Tracing,
} from '../src/telemetry/index.ts';
import { signedFixture } from '../test/runtime/fixtures.ts';
import { startComponent, writeComponent } from '../test/support/lattice.ts';
import { percentile, timeSequential, type Bench, type BenchRow } from './harness.ts';
import { TEST_TRUST } from '../test/support/signing.ts';

const lattice = 'bench-telemetry';
const ROUNDS = 6;
const PER_ROUND = 1000;

/** An OTLP/HTTP receiver that counts the spans it is sent and drops them. */
async function sink(): Promise<{ url: string; spans: () => number; close(): void }> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      spans += (body.match(/"spanId"/g) ?? []).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    close: () => server.close(),
  };
}

/**
 * Microseconds one served call spends in the host's instrumentation (`served()` … `end()`), the
 * one spot every call passes, without the call itself: a figure the shared machine's noise
 * cannot hide.
 */
function instrumentationCost(
  metrics: boolean,
  tracing: Tracing,
  parent: { traceparent: string } | undefined,
): number {
  const instruments = hostInstruments({
    ...(metrics ? { metrics: createRegistry() } : {}),
    tracing,
    observe: () => undefined,
    attributes: { 'aloft.host.id': 'NBENCH', 'aloft.cloud': 'aws', 'aloft.lattice': lattice },
  });
  const n = 200_000;
  for (let i = 0; i < 20_000; i++) instruments.served('echo', 'echo', parent).end();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) instruments.served('echo', 'echo', parent).end();
  return ((performance.now() - t0) * 1000) / n;
}

const bench: Bench = async ({ log }) => {
  const dir = mkdtempSync(join(tmpdir(), 'aloft-bench-telemetry-'));
  const server = await startNatsServer(
    { name: 'bench', port: -1, httpPort: -1, jetstream: { storeDir: join(dir, 'js') } },
    { dir },
  );
  const otlp = await sink();
  const common = {
    lattice,
    servers: [server.url],
    cacheDir: join(dir, 'cache'),
    security: TEST_TRUST,
  };
  const traced = tracingConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BSP_MAX_QUEUE_SIZE: '8192',
  });
  const configs: { name: string; host: Host; headers?: Record<string, string> }[] = [];
  const nc = await connectLattice({ servers: server.url });
  try {
    const hosts = {
      off: await startHost({ ...common, labels: {}, name: 'off' }),
      metrics: await startHost({
        ...common,
        labels: {},
        name: 'metrics',
        metrics: createRegistry(),
      }),
      traced: await startHost({
        ...common,
        labels: {},
        name: 'traced',
        metrics: createRegistry(),
        tracing: traced,
      }),
    };
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    configs.push(
      { name: 'no telemetry', host: hosts.off },
      { name: 'tracing off, call carries traceparent', host: hosts.off, headers: { traceparent } },
      { name: 'metrics on', host: hosts.metrics },
      { name: 'metrics + tracing on (OTLP)', host: hosts.traced },
    );
    const ref = writeComponent(dir, 'noop', await signedFixture('probe-as'));
    for (const [name, host] of Object.entries(hosts)) {
      await startComponent(nc, lattice, host.id, { name: `noop-${name}`, ref, count: 2 });
      await host.view.waitFor((v) => (v.get(host.id)?.components[`noop-${name}`] ?? 0) > 0, 30_000);
    }
    const view = await watchHosts(nc, { lattice });
    await view.waitFor((v) => v.entries().length === 3, 10_000);
    const remote: LatticeCaller = createCaller(nc, { lattice, view });
    const payload = new TextEncoder().encode('ping');
    const componentOf = (h: Host): string => `noop-${h.name}`;
    const local = (c: (typeof configs)[number]) => () =>
      c.host.caller.call(
        componentOf(c.host),
        'echo',
        payload,
        c.headers ? { headers: c.headers } : {},
      );
    const fromAfar = (c: (typeof configs)[number]) => () =>
      remote.call(componentOf(c.host), 'echo', payload, c.headers ? { headers: c.headers } : {});

    const times = new Map<string, { local: number[]; remote: number[] }>();
    for (const c of configs) times.set(c.name, { local: [], remote: [] });
    log('warming up');
    for (const c of configs) {
      await timeSequential(300, local(c));
      await timeSequential(300, fromAfar(c));
    }
    const spansBefore = otlp.spans();
    for (let r = 0; r < ROUNDS; r++) {
      log(`round ${r + 1} of ${ROUNDS}`);
      // Rotate the order, so no configuration always runs first in a round.
      for (const c of [
        ...configs.slice(r % configs.length),
        ...configs.slice(0, r % configs.length),
      ]) {
        const t = times.get(c.name)!;
        t.local.push(...(await timeSequential(PER_ROUND, local(c))));
        t.remote.push(...(await timeSequential(PER_ROUND, fromAfar(c))));
      }
    }
    await hosts.traced.stop(1000); // flushes the last spans
    const exported = otlp.spans() - spansBefore;
    await Promise.all([hosts.off.stop(1000), hosts.metrics.stop(1000)]);
    await view.stop();

    const base = times.get('no telemetry')!;
    const rows: BenchRow[] = [];
    for (const [where, pick] of [
      ['same-host', (t: { local: number[] }) => t.local],
      ['other-process', (t: { remote: number[] }) => t.remote],
    ] as const) {
      const b = pick(base);
      for (const c of configs) {
        const t = pick(times.get(c.name)!);
        rows.push(
          {
            name: `${where} p50, ${c.name}`,
            value: percentile(t, 50),
            unit: 'ms',
            ratio: percentile(t, 50) / percentile(b, 50),
            ...(c.name.startsWith('tracing off') ? { goal: '≈ 1× (nearly free)' } : {}),
          },
          {
            name: `${where} p99, ${c.name}`,
            value: percentile(t, 99),
            unit: 'ms',
            ratio: percentile(t, 99) / percentile(b, 99),
          },
        );
      }
    }
    log('measuring the instrumentation alone');
    const tracing = await createTracing(
      tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '200' }),
      { 'service.name': 'bench' },
    );
    const tp = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    const bare = instrumentationCost(false, noopTracing, undefined);
    for (const [name, us] of [
      ['nothing on', bare],
      ['tracing off, call carries traceparent', instrumentationCost(false, noopTracing, tp)],
      ['metrics on', instrumentationCost(true, noopTracing, undefined)],
      ['metrics + tracing on', instrumentationCost(true, tracing, undefined)],
    ] as const) {
      rows.push({
        name: `instrumentation per call, ${name}`,
        value: us,
        unit: 'µs',
        ratio: us / bare,
      });
    }
    await tracing.shutdown();
    const tracedCalls = ROUNDS * PER_ROUND * 2;
    rows.push({
      name: 'spans exported while tracing was on (1 per call)',
      value: exported,
      unit: 'spans',
      ratio: exported / tracedCalls,
    });
    return {
      title: 'telemetry: cost of metrics and tracing on the call path',
      baseline:
        'the same no-op component on a host without telemetry, same run, interleaved rounds',
      rows,
      notes: [
        `${ROUNDS} rounds × ${PER_ROUND} sequential calls per configuration and path`,
        'tracing exports OTLP/HTTP JSON in batches (200 ms) to a receiver in this process',
        'instrumentation per call: hostInstruments().served()…end() alone, 200 000 times',
      ],
    };
  } finally {
    await nc.close();
    otlp.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;

/**
 * `npm run bench -- http [--duration=8] [--connections=16] [--instances=4]`: the sample app
 * (examples/counter) under a real HTTP load generator (`wrk`, from Debian), against a plain Node
 * `http` server doing the same key-value work directly on the same JetStream KV, in the same run:
 *
 * - plain: bench/http-plain-server.ts in its own process (the baseline);
 * - same host: the component on the host that runs the http-server, key-value and messaging
 *   providers (ingress → local instance → local provider → NATS KV);
 * - other host: the component on a second host; the HTTP request and every capability call
 *   cross the lattice.
 *
 * Two workloads per setup: GET /counters/<name> (one KV read) and POST /counters/<name> (an
 * atomic increment, a publish and, in the component, a log line), over 16 counter names.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, encodeJson, subjectsFor, type ControlVerb } from '../src/lattice/index.ts';
import { freePort, recordPid, signalPid, startNatsServer } from '../src/nats/index.ts';
import { spawnHost, type HostProcess } from '../test/support/hosts.ts';
import { recordEvents, startComponent, writeComponent } from '../test/support/lattice.ts';
import { example } from '../test/support/samples.ts';
import type { Bench, BenchResult, BenchRow } from './harness.ts';
import { runWrk, type WrkResult } from './wrk.ts';

const lattice = 'benchhttp';
const WORKLOADS = ['POST', 'GET'] as const;
type Workload = (typeof WORKLOADS)[number];

const arg = (args: string[], name: string, fallback: number): number =>
  Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

const bench: Bench = async ({ args, log }) => {
  const load = loadavg();
  const durationS = arg(args, 'duration', 8);
  const connections = arg(args, 'connections', 16);
  const instances = arg(args, 'instances', 4);
  const setups = (
    args.find((a) => a.startsWith('--setups='))?.split('=')[1] ?? 'plain,same,other'
  ).split(',');
  const dir = mkdtempSync(join(tmpdir(), 'aloft-bench-http-'));
  const server = await startNatsServer(
    { name: 'bench', port: -1, httpPort: -1, jetstream: { storeDir: join(dir, 'js') } },
    { dir },
  );
  const nc = await connectLattice({ servers: server.url });
  const hosts: HostProcess[] = [];
  const results: Record<string, Record<Workload, Measured>> = {};
  /** Runs the workloads against `base`; `pids` are the processes that serve (for CPU time). */
  const measure = async (setup: string, base: string, pids: number[]): Promise<void> => {
    results[setup] = {} as Record<Workload, Measured>;
    for (const method of WORKLOADS) {
      log(`${setup}: ${method} warm-up`);
      await runWrk({ url: base, method, durationS: 2, connections, dir });
      log(`${setup}: ${method} ${durationS} s, ${connections} connections`);
      const cpu0 = cpuMs(pids);
      const r = await runWrk({ url: base, method, durationS, connections, dir });
      results[setup][method] = {
        ...r,
        cpuUsPerRequest: ((cpuMs(pids) - cpu0) * 1000) / r.requests,
      };
    }
  };
  try {
    log('building the sample app (cached by content hash)');
    const ref = writeComponent(dir, 'counter', await example('counter'));

    if (setups.includes('plain')) {
      const plainPort = await freePort();
      const plain = await startPlainServer(server.url, plainPort);
      try {
        await measure('plain', `http://127.0.0.1:${plainPort}`, [plain]);
      } finally {
        signalPid(plain, 'SIGTERM');
      }
    }

    const edge = await spawnHost({
      natsUrls: [server.url],
      lattice,
      name: 'edge',
      dataDir: join(dir, 'edge'),
      logLevel: 'warn',
    });
    hosts.push(edge);
    const other = await spawnHost({
      natsUrls: [server.url],
      lattice,
      name: 'other',
      dataDir: join(dir, 'other'),
      logLevel: 'warn',
    });
    hosts.push(other);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await deployCounter(nc, edge.id, ref, port, instances);
    if (setups.includes('same')) await measure('same host', base, [edge.pid]);
    if (!setups.includes('other')) return report();

    log('moving the component to the other host');
    const events = recordEvents(nc, lattice, ['component_started', 'component_stopped']);
    await startComponent(nc, lattice, other.id, { name: 'counter', ref, count: instances });
    await events.waitFor('component_started', (d) => d.hostId === other.id, 120_000);
    await control(nc, 'component.stop', { name: 'counter' }, edge.id);
    await events.waitFor('component_stopped', (d) => d.hostId === edge.id);
    events.stop();
    await measure('other host', base, [edge.pid, other.pid]);
    return report();
  } finally {
    await nc.close();
    await Promise.all(hosts.map((h) => h.stop()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  function report(): BenchResult {
    const rows: BenchRow[] = [];
    for (const method of WORKLOADS) {
      const baseline = results.plain?.[method] ?? results['same host']![method];
      for (const [setup, byMethod] of Object.entries(results)) {
        const r = byMethod[method];
        const same = setup === 'same host';
        rows.push(
          {
            name: `${method} ${setup}: requests/s`,
            value: r.requestsPerSec,
            unit: 'req/s',
            ratio: r.requestsPerSec / baseline.requestsPerSec,
            ...(same ? { goal: '≥ 0.5× plain' } : {}),
          },
          {
            name: `${method} ${setup}: p50`,
            value: r.p50Ms,
            unit: 'ms',
            ratio: r.p50Ms / baseline.p50Ms,
          },
          {
            name: `${method} ${setup}: p99`,
            value: r.p99Ms,
            unit: 'ms',
            ratio: r.p99Ms / baseline.p99Ms,
          },
          {
            name: `${method} ${setup}: server CPU per request`,
            value: r.cpuUsPerRequest,
            unit: 'µs',
            ratio: r.cpuUsPerRequest / baseline.cpuUsPerRequest,
          },
        );
        if (r.failed > 0) {
          rows.push({
            name: `${method} ${setup}: failed responses`,
            value: r.failed,
            unit: 'requests',
          });
        }
      }
    }
    return {
      title: 'http: the sample app under wrk vs a plain Node http server on the same NATS KV',
      baseline:
        'a plain Node http server (its own process) doing the same KV work on the same JetStream KV, same run',
      rows,
      notes: [
        `wrk 1 thread, ${connections} connections, ${durationS} s per figure after a 2 s warm-up; 16 counter names.`,
        `GET: one KV read. POST: an atomic increment, a publish on counters.changed and, in the component, a log line (published on the lattice's log subject).`,
        `The component is examples/counter (TypeScript, componentize-js), ${instances} instances; hosts are their own processes (log level warn).`,
        `load average at start: ${load.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores (shared machine; wrk, NATS, the server and the hosts share them).`,
      ],
    };
  }
};
export default bench;

interface Measured extends WrkResult {
  /** CPU time (user + system, every thread) of the serving processes per request. */
  cpuUsPerRequest: number;
}

/** User + system CPU milliseconds of processes so far, from /proc (Linux). */
function cpuMs(pids: number[]): number {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * tick;
  }
  return total;
}

async function control(
  nc: NatsConnection,
  verb: ControlVerb,
  body: unknown,
  hostId?: string,
): Promise<void> {
  const reply = await nc.request(subjectsFor(lattice).control(verb, hostId), encodeJson(body), {
    timeout: 10_000,
  });
  const error = reply.headers?.get('Aloft-Error');
  if (error) throw new Error(`${verb}: ${error}`);
}

/** Providers and the component on `hostId`, linked as the sample app's manifest links them. */
async function deployCounter(
  nc: NatsConnection,
  hostId: string,
  ref: string,
  port: number,
  instances: number,
): Promise<void> {
  const events = recordEvents(nc, lattice, ['provider_started', 'component_started']);
  await control(nc, 'provider.start', { name: 'kv', kind: 'keyvalue-nats' }, hostId);
  await control(nc, 'provider.start', { name: 'messaging', kind: 'messaging-nats' }, hostId);
  const address = `127.0.0.1:${port}`;
  await control(
    nc,
    'provider.start',
    { name: 'http', kind: 'http-server', config: { address } },
    hostId,
  );
  await startComponent(nc, lattice, hostId, { name: 'counter', ref, count: instances });
  for (const name of ['kv', 'messaging', 'http']) {
    await events.waitFor('provider_started', (d) => d.name === name);
  }
  await events.waitFor('component_started', (d) => d.name === 'counter', 120_000);
  events.stop();
  await control(nc, 'link.put', { source: 'counter', target: 'kv', interface: 'keyvalue' });
  await control(nc, 'link.put', { source: 'counter', target: 'messaging', interface: 'messaging' });
  await control(nc, 'link.put', {
    source: 'http',
    target: 'counter',
    interface: 'wasi:http/incoming-handler',
  });
  for (let i = 0; ; i++) {
    const r = await fetch(`http://${address}/health`).catch(() => undefined);
    if (r?.status === 200) return;
    if (i > 400) throw new Error('the HTTP route never came up');
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** bench/http-plain-server.ts as its own process; resolves with its PID once it listens. */
async function startPlainServer(url: string, port: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'http-plain-server.ts'),
      url,
      lattice,
      String(port),
    ],
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const pid = child.pid ?? 0;
  recordPid(pid, 'bench plain http server');
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`plain server exited (${code})`)));
  });
  return pid;
}

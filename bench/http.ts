/**
 * `npm run bench -- http [--duration=5] [--rounds=3] [--connections=16] [--instances=4]
 * [--setups=plain,same,same-as,other,hops,runtime] [--workloads=POST,GET] [--prof=<dir>]`: the
 * sample app (examples/counter) under a real HTTP load generator (`wrk`, from Debian), against a
 * plain Node `http` server doing the same work directly on the same JetStream KV, in the same run:
 *
 * - plain: bench/http-plain-server.ts in its own process (the baseline);
 * - same host: the component on the host that runs the http-server, key-value and messaging
 *   providers (ingress → local instance → local provider → NATS KV);
 * - same host, AS: the same app built from AssemblyScript (examples/counter-as, same HTTP
 *   contract), deployed the same way: what the platform costs with a guest that costs little;
 * - other host: the component on a second host; the HTTP request and every capability call
 *   cross the lattice (a lattice of its own, so both deployments run side by side);
 * - diagnostics, not in the default set: `hops` (bench/http-hops-server.ts), the plain server's
 *   work with an instance worker's two thread round trips per request and no guest; `runtime`
 *   (bench/http-runtime-server.ts), the component in the runtime alone with its capabilities
 *   wired straight to the same library: the floors under `same host`.
 *
 * All of them run at once and are measured in alternating rounds (a shared machine's load changes
 * fall on each alike); a setup's ratio is the median of its per-round ratios to the plain server.
 * Two workloads: GET /counters/<name> (one KV read) and POST /counters/<name> (an atomic
 * increment, a publish and a log line), over 16 counter names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectLattice, ensureLogStream } from '../src/lattice/index.ts';
import { freePort, monitor, signalPid, startNatsServer } from '../src/nats/index.ts';
import { spawnHost, type HostProcess } from '../test/support/hosts.ts';
import { writeComponent } from '../test/support/lattice.ts';
import { example } from '../test/support/samples.ts';
import type { Bench, BenchResult, BenchRow } from './harness.ts';
import { deployCounter, startPlainServer } from './http-deploy.ts';
import { cpuMs, mainThreadCpuMs } from './proc.ts';
import { runWrk } from './wrk.ts';

const lattice = 'benchhttp';
/** The other-host deployment's lattice (its own links, buckets and log stream). */
const otherLattice = 'benchhttp2';
/** The AssemblyScript build's same-host deployment's lattice. */
const asLattice = 'benchhttp3';
const WORKLOADS = ['POST', 'GET'] as const;
type Workload = (typeof WORKLOADS)[number];

const arg = (args: string[], name: string, fallback: number): number =>
  Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

/** One setup under load: where to send requests and which processes serve them. */
interface Target {
  name: 'plain' | 'hops only' | 'runtime only' | 'same host' | 'same host, AS' | 'other host';
  url: string;
  pids: number[];
  rounds: Record<Workload, Round[]>;
}

/** One wrk run's figures. */
interface Round {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  /** CPU time (user + system, every thread) of the serving processes per request. */
  cpuUs: number;
  /** The same, main threads only. */
  mainUs: number;
  /** nats-server's CPU time per request. */
  natsUs: number;
  /** Messages into and out of nats-server per request (every client, from /varz). */
  natsMsgs: number;
}

const bench: Bench = async ({ args, log }) => {
  const loadBefore = loadavg();
  const durationS = arg(args, 'duration', 5);
  const roundCount = arg(args, 'rounds', 3);
  const connections = arg(args, 'connections', 16);
  const instances = arg(args, 'instances', 4);
  const setups = (
    args.find((a) => a.startsWith('--setups='))?.split('=')[1] ?? 'plain,same,same-as,other'
  ).split(',');
  const workloads = WORKLOADS.filter((w) =>
    (args.find((a) => a.startsWith('--workloads='))?.split('=')[1] ?? 'POST,GET')
      .split(',')
      .includes(w),
  );
  // --prof=<dir>: the hosts write V8 CPU profiles there (one per thread) when they stop.
  const profDir = args.find((a) => a.startsWith('--prof='))?.split('=')[1];
  const dir = mkdtempSync(join(tmpdir(), 'aloft-bench-http-'));
  const server = await startNatsServer(
    { name: 'bench', port: -1, httpPort: -1, jetstream: { storeDir: join(dir, 'js') } },
    { dir },
  );
  const nc = await connectLattice({ servers: server.url });
  const hosts: HostProcess[] = [];
  const targets: Target[] = [];
  const target = (name: Target['name'], url: string, pids: number[]): void => {
    targets.push({ name, url, pids, rounds: { POST: [], GET: [] } });
  };
  const plainPids: number[] = [];
  const host = async (name: string, inLattice: string): Promise<HostProcess> => {
    const h = await spawnHost({
      natsUrls: [server.url],
      lattice: inLattice,
      name,
      dataDir: join(dir, name),
      logLevel: 'warn',
      nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    });
    hosts.push(h);
    return h;
  };
  try {
    log('building the sample app (cached by content hash)');
    const ref = writeComponent(dir, 'counter', await example('counter'));
    // The log stream keeps the component's log lines; the plain server's land in it too.
    for (const l of [lattice, otherLattice, asLattice]) await ensureLogStream(nc, l);

    /** A baseline server as its own process (bench/http-*-server.ts). */
    const baseline = async (
      name: Target['name'],
      script?: string,
      extra: string[] = [],
    ): Promise<void> => {
      const port = await freePort();
      const pid = await startPlainServer(
        server.url,
        lattice,
        port,
        script,
        extra,
        profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
      );
      plainPids.push(pid);
      target(name, `http://127.0.0.1:${port}`, [pid]);
    };
    /** The app deployed in `inLattice`: providers on the first host, the component on the last. */
    const deployment = async (
      name: Target['name'],
      inLattice: string,
      hostNames: string[],
      componentRef: string,
    ): Promise<void> => {
      const on: HostProcess[] = [];
      for (const h of hostNames) on.push(await host(h, inLattice));
      const [edge, app] = [on[0], on[on.length - 1]] as [HostProcess, HostProcess];
      const port = await freePort();
      await deployCounter(
        nc,
        inLattice,
        { providers: edge.id, component: app.id },
        componentRef,
        port,
        instances,
      );
      target(name, `http://127.0.0.1:${port}`, [...new Set(on.map((h) => h.pid))]);
    };

    if (setups.includes('plain')) await baseline('plain');
    if (setups.includes('hops')) {
      await baseline('hops only', 'http-hops-server.ts', [String(instances)]);
    }
    if (setups.includes('runtime')) {
      await baseline('runtime only', 'http-runtime-server.ts', [ref, String(instances)]);
    }
    if (setups.includes('same')) await deployment('same host', lattice, ['edge'], ref);
    if (setups.includes('same-as')) {
      const asRef = writeComponent(dir, 'counter-as', await example('counter-as'));
      await deployment('same host, AS', asLattice, ['edge3'], asRef);
    }
    if (setups.includes('other')) {
      await deployment('other host', otherLattice, ['edge2', 'other'], ref);
    }

    for (const t of targets) {
      for (const method of workloads) {
        log(`${t.name}: ${method} warm-up`);
        await runWrk({ url: t.url, method, durationS: 3, connections, dir });
      }
    }
    for (let r = 0; r < roundCount; r++) {
      for (const method of workloads) {
        for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
          log(`round ${r + 1}/${roundCount}: ${t.name} ${method}, ${durationS} s`);
          const cpu0 = cpuMs(t.pids);
          const main0 = mainThreadCpuMs(t.pids);
          const nats0 = cpuMs([server.pid]);
          const msgs0 = await natsMessages(server.monitorUrl);
          const w = await runWrk({ url: t.url, method, durationS, connections, dir });
          const perRequest = (ms: number): number => (ms * 1000) / w.requests;
          t.rounds[method].push({
            rps: w.requestsPerSec,
            p50Ms: w.p50Ms,
            p99Ms: w.p99Ms,
            failed: w.failed,
            cpuUs: perRequest(cpuMs(t.pids) - cpu0),
            mainUs: perRequest(mainThreadCpuMs(t.pids) - main0),
            natsUs: perRequest(cpuMs([server.pid]) - nats0),
            natsMsgs: ((await natsMessages(server.monitorUrl)) - msgs0) / w.requests,
          });
        }
      }
    }
    return report();
  } finally {
    await nc.close();
    for (const pid of plainPids) signalPid(pid, 'SIGTERM');
    await Promise.all(hosts.map((h) => h.stop()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  function report(): BenchResult {
    const rows: BenchRow[] = [];
    for (const method of workloads) {
      const base = targets[0]!;
      const baseRounds = base.rounds[method];
      const baseline = medians(baseRounds);
      for (const t of targets) {
        const m = medians(t.rounds[method]);
        const ratio = (f: (r: Round) => number): number =>
          median(t.rounds[method].map((r, i) => f(r) / f(baseRounds[i]!)));
        rows.push(
          {
            name: `${method} ${t.name}: requests/s`,
            value: m.rps,
            unit: 'req/s',
            ratio: ratio((r) => r.rps),
            ...(t.name.startsWith('same host') ? { goal: '≥ 0.5× plain' } : {}),
          },
          {
            name: `${method} ${t.name}: p50`,
            value: m.p50Ms,
            unit: 'ms',
            ratio: ratio((r) => r.p50Ms),
          },
          {
            name: `${method} ${t.name}: p99`,
            value: m.p99Ms,
            unit: 'ms',
            ratio: ratio((r) => r.p99Ms),
          },
          {
            name: `${method} ${t.name}: server CPU per request`,
            value: m.cpuUs,
            unit: 'µs',
            ratio: m.cpuUs / baseline.cpuUs,
          },
          {
            name: `${method} ${t.name}: of which main threads`,
            value: m.mainUs,
            unit: 'µs',
            ratio: m.mainUs / baseline.mainUs,
          },
          {
            name: `${method} ${t.name}: nats-server CPU per request`,
            value: m.natsUs,
            unit: 'µs',
            ratio: m.natsUs / baseline.natsUs,
          },
          {
            name: `${method} ${t.name}: NATS messages per request`,
            value: m.natsMsgs,
            unit: 'msgs',
            ratio: m.natsMsgs / baseline.natsMsgs,
          },
        );
        const failed = t.rounds[method].reduce((n, r) => n + r.failed, 0);
        if (failed > 0) {
          rows.push({
            name: `${method} ${t.name}: failed responses`,
            value: failed,
            unit: 'requests',
          });
        }
      }
    }
    const loadAfter = loadavg();
    const fmt = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' / ');
    return {
      title: 'http: the sample app under wrk vs a plain Node http server on the same NATS KV',
      baseline: `${targets[0]?.name ?? 'plain'}: a plain Node http server (its own process) doing the same work on the same JetStream KV, measured in alternating rounds with the other setups`,
      rows,
      notes: [
        `wrk 1 thread, ${connections} connections; ${roundCount} rounds of ${durationS} s per setup and workload, setups alternating (order reversed every other round), after a 3 s warm-up each; 16 counter names. Figures are medians over rounds; requests/s, p50 and p99 ratios are medians of per-round ratios.`,
        `GET: one KV read. POST: an atomic increment, a publish on counters.changed and a log line (JSON on the lattice's log subject, kept by the log stream) — the plain server publishes the same log line.`,
        `The component is examples/counter (TypeScript, componentize-js; "AS": examples/counter-as, AssemblyScript), ${instances} instances; hosts are their own processes (log level warn), each setup idle while another is measured. CPU per request is user + system time of the serving processes from /proc, every thread ("of which main threads": the processes' main threads).`,
        ...(setups.includes('hops') || setups.includes('runtime')
          ? [
              `Diagnostic floors: "hops only" is the plain server's work with the runtime's channel to ${instances} worker threads and two round trips per request (the request, one capability call), no guest (bench/http-hops-server.ts); "runtime only" is the TypeScript component in the runtime alone, behind a plain server, its capability calls wired straight to the same key-value library, no host (bench/http-runtime-server.ts). NATS messages per request count every message into and out of nats-server (/varz).`,
            ]
          : []),
        `Load average (1/5/15 min) before ${fmt(loadBefore)}, after ${fmt(loadAfter)} on ${cpus().length} cores (shared machine; wrk, NATS, the servers and the hosts share them).`,
      ],
    };
  }
};
export default bench;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
};

function medians(rounds: Round[]): Omit<Round, 'failed'> {
  const of = (f: (r: Round) => number): number => median(rounds.map(f));
  return {
    rps: of((r) => r.rps),
    p50Ms: of((r) => r.p50Ms),
    p99Ms: of((r) => r.p99Ms),
    cpuUs: of((r) => r.cpuUs),
    mainUs: of((r) => r.mainUs),
    natsUs: of((r) => r.natsUs),
    natsMsgs: of((r) => r.natsMsgs),
  };
}

/** Messages nats-server has received plus sent so far. */
async function natsMessages(monitorUrl: string): Promise<number> {
  const varz = await monitor<{ in_msgs: number; out_msgs: number }>(monitorUrl, 'varz');
  return varz.in_msgs + varz.out_msgs;
}

/**
 * `npm run bench -- lattice [--rounds N] [--rounds-detail] [--prof=<dir>]`: a lattice call to a component on another host (its own
 * process) and an in-process same-host call, against raw nats.js request/reply on the same server,
 * interleaved round by round in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { startHost } from '../src/host/index.ts';
import { connectLattice, createCaller, watchHosts } from '../src/lattice/index.ts';
import { startNatsServer } from '../src/nats/index.ts';
import { signedFixture } from '../test/runtime/fixtures.ts';
import { spawnHost } from '../test/support/hosts.ts';
import { startComponent, writeComponent } from '../test/support/lattice.ts';
import { ECHO_SUBJECTS, startEchoProcess } from './echo-process.ts';
import {
  interleaved,
  medianRatio,
  percentile,
  throughput,
  type Bench,
  type BenchRow,
} from './harness.ts';
import { TEST_TRUST } from '../test/support/signing.ts';

const lattice = 'bench';
const PER_ROUND = 150;
const WARM_UP = 3000;
const PARALLEL_CALLS = 10_000;

const bench: Bench = async ({ args, log }) => {
  const roundsArg = args.indexOf('--rounds');
  const rounds = roundsArg === -1 ? 40 : Number(args[roundsArg + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer');
  // --prof=<dir>: the remote host writes V8 CPU profiles there (one per thread) when it stops.
  const profDir = args.find((a) => a.startsWith('--prof='))?.split('=')[1];
  const dir = mkdtempSync(join(tmpdir(), 'aloft-bench-lattice-'));
  const server = await startNatsServer(
    { name: 'bench', port: -1, httpPort: -1, jetstream: { storeDir: join(dir, 'js') } },
    { dir },
  );
  const remote = await spawnHost({
    natsUrls: [server.url],
    lattice,
    name: 'remote',
    dataDir: join(dir, 'remote'),
    nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
  });
  const local = await startHost({
    lattice,
    servers: [server.url],
    labels: {},
    name: 'local',
    cacheDir: join(dir, 'local-cache'),
    security: TEST_TRUST,
  });
  const nc = await connectLattice({ servers: server.url, name: 'bench-caller' });
  const responder = await connectLattice({ servers: server.url, name: 'bench-responder' });
  const stopEcho = await startEchoProcess(server.url);
  try {
    responder.subscribe('bench.echo', {
      callback: (_e, m) => {
        m.respond(m.data);
      },
    });
    await responder.flush();
    const ref = writeComponent(dir, 'noop', await signedFixture('probe-as'));
    await startComponent(nc, lattice, remote.id, { name: 'noop-remote', ref, count: 2 });
    await startComponent(nc, lattice, local.id, { name: 'noop-local', ref, count: 2 });
    const view = await watchHosts(nc, { lattice });
    await view.waitFor((v) => (v.get(remote.id)?.components['noop-remote'] ?? 0) > 0, 20_000);
    await local.view.waitFor((v) => (v.get(local.id)?.components['noop-local'] ?? 0) > 0, 20_000);
    const caller = createCaller(nc, { lattice, view });
    const payload = new TextEncoder().encode('ping');
    const callHeaders = (): ReturnType<typeof natsHeaders> => {
      const h = natsHeaders();
      h.set('Aloft-Operation', 'echo');
      h.set('Aloft-Timeout-Ms', '2000');
      return h;
    };
    const variants = {
      raw: () => nc.request('bench.echo', payload, { timeout: 5000 }),
      external: () => nc.request(ECHO_SUBJECTS.plain, payload, { timeout: 5000 }),
      externalHeaders: () =>
        nc.request(ECHO_SUBJECTS.headers, payload, { timeout: 5000, headers: callHeaders() }),
      remote: () => caller.call('noop-remote', 'echo', payload),
      local: () => local.caller.call('noop-local', 'echo', payload),
    };
    const loadBefore = loadavg();
    log(`load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}; warming up`);
    // Long enough for V8 to finish optimizing the call path in every process: with 500 calls the
    // host's compiler threads were still busy and took ~20 % of its CPU during the measurement.
    for (const fn of Object.values(variants)) for (let i = 0; i < WARM_UP; i++) await fn();
    log(`measuring ${rounds} interleaved rounds of ${PER_ROUND} sequential calls per variant`);
    const t = await interleaved(variants, { rounds, perRound: PER_ROUND });
    if (args.includes('--rounds-detail')) {
      for (const [name, v] of Object.entries(t)) {
        log(
          `${name.padEnd(16)} ${v.rounds.map((r) => (percentile(r, 50) * 1000).toFixed(0)).join(' ')}`,
        );
      }
    }
    log('measuring 64 in flight');
    const parallel = {
      raw: await throughput(PARALLEL_CALLS, 64, variants.raw),
      remote: await throughput(PARALLEL_CALLS, 64, variants.remote),
      local: await throughput(PARALLEL_CALLS, 64, variants.local),
    };
    const loadAfter = loadavg();
    await view.stop();

    const p = (name: keyof typeof t, q: number): number => percentile(t[name].all, q);
    const raw50 = p('raw', 50);
    const raw99 = p('raw', 99);
    const row = (name: string, v: keyof typeof t, goal?: string): BenchRow[] => [
      {
        name: `${name} p50`,
        value: p(v, 50),
        unit: 'ms',
        ratio: p(v, 50) / raw50,
        ...(goal ? { goal } : {}),
      },
      { name: `${name} p99`, value: p(v, 99), unit: 'ms', ratio: p(v, 99) / raw99 },
    ];
    const perSec = (v: keyof typeof t): number =>
      t[v].all.length / (t[v].all.reduce((a, b) => a + b, 0) / 1000);
    return {
      title: 'lattice: calls to a no-op component vs raw NATS request/reply',
      baseline: 'raw nats.js request/reply (echo) on the same server, interleaved in the same run',
      rows: [
        ...row('raw request/reply', 'raw'),
        { name: 'raw sequential', value: perSec('raw'), unit: 'req/s', ratio: 1 },
        { name: 'raw 64 in flight', value: parallel.raw, unit: 'req/s', ratio: 1 },
        ...row('raw to another process', 'external'),
        ...row('raw to another process, call headers read', 'externalHeaders'),
        ...row('other-host call', 'remote', '≤ 1.5× raw'),
        {
          name: 'other-host p50 ÷ raw to another process p50, all rounds pooled',
          value: p('remote', 50) / p('external', 50),
          unit: '×',
          goal: '≤ 1.5×',
        },
        {
          name: 'other-host ÷ raw to another process, median of per-round p50 ratios (judged)',
          value: medianRatio(t.remote, t.external),
          unit: '×',
          goal: '≤ 1.5×',
        },
        {
          name: 'other-host ÷ raw, median of per-round p50 ratios',
          value: medianRatio(t.remote, t.raw),
          unit: '×',
        },
        {
          name: 'other-host sequential',
          value: perSec('remote'),
          unit: 'calls/s',
          ratio: perSec('remote') / perSec('raw'),
        },
        {
          name: 'other-host 64 in flight',
          value: parallel.remote,
          unit: 'calls/s',
          ratio: parallel.remote / parallel.raw,
        },
        ...row('same-host call', 'local', 'p50 ≤ 0.15 ms, no NATS hop'),
        {
          name: 'same-host sequential',
          value: perSec('local'),
          unit: 'calls/s',
          ratio: perSec('local') / perSec('raw'),
        },
        {
          name: 'same-host 64 in flight',
          value: parallel.local,
          unit: 'calls/s',
          ratio: parallel.local / parallel.raw,
        },
      ],
      notes: [
        `Sequential figures: ${rounds} rounds; in each, ${PER_ROUND} timed calls of every variant in turn (after 20 untimed), so load changes fall on all of them alike.`,
        `Load average (1/5/15 min) before ${loadBefore.map((l) => l.toFixed(1)).join(' / ')}, after ${loadAfter.map((l) => l.toFixed(1)).join(' / ')} on ${cpus().length} cores shared with other developers.`,
        'The component is the AssemblyScript probe (operation "echo", 4-byte payload), 2 instances per host.',
        '64 in flight: 10,000 calls.',
        'Other-host: the caller (this process) routes by the heartbeat table to a host running as its own process. The probe is small, so it is fuel-metered and the host runs each echo on its own thread, without a thread hop (docs/architecture.md, "Invocations on the host thread"); in runs before 2026-12-01T23:00Z every call went to an instance worker thread.',
        "The goal is judged against raw request/reply to an echo responder in another process: a host is always another process, so that is the like-for-like raw path (the in-process raw responder shares the caller's event loop). It is judged by the median over rounds of the ratio within each round, which a load change between rounds cannot skew; the pooled ratio is shown beside it.",
      ],
    };
  } finally {
    stopEcho();
    await nc.close();
    await responder.close();
    await local.stop(1000);
    await remote.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;

/**
 * `npm run bench -- lattice`: a lattice call to a component on another host (its own process) and
 * an in-process same-host call, against raw nats.js request/reply on the same server in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost } from '../src/host/index.ts';
import { connectLattice, createCaller, watchHosts } from '../src/lattice/index.ts';
import { startNatsServer } from '../src/nats/index.ts';
import { signedFixture } from '../test/runtime/fixtures.ts';
import { spawnHost } from '../test/support/hosts.ts';
import { startComponent, writeComponent } from '../test/support/lattice.ts';
import { percentile, throughput, timeSequential, type Bench } from './harness.ts';
import { measureRawRequestReply } from './nats-baseline.ts';
import { TEST_TRUST } from '../test/support/signing.ts';

const lattice = 'bench';
const N = 5000;

const bench: Bench = async ({ log }) => {
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
  });
  const local = await startHost({
    lattice,
    servers: [server.url],
    labels: {},
    name: 'local',
    cacheDir: join(dir, 'local-cache'),
    security: TEST_TRUST,
  });
  const nc = await connectLattice({ servers: server.url });
  try {
    log('measuring raw request/reply');
    const raw = await measureRawRequestReply(server.url, N);
    log('measuring raw request/reply to a responder in another process');
    const external = await measureExternalRequestReply(server.url, N);
    const ref = writeComponent(dir, 'noop', await signedFixture('probe-as'));
    await startComponent(nc, lattice, remote.id, { name: 'noop-remote', ref, count: 2 });
    await startComponent(nc, lattice, local.id, { name: 'noop-local', ref, count: 2 });
    const view = await watchHosts(nc, { lattice });
    await view.waitFor((v) => (v.get(remote.id)?.components['noop-remote'] ?? 0) > 0, 20_000);
    await local.view.waitFor((v) => (v.get(local.id)?.components['noop-local'] ?? 0) > 0, 20_000);
    const caller = createCaller(nc, { lattice, view });
    const payload = new TextEncoder().encode('ping');
    const remoteCall = (): Promise<unknown> => caller.call('noop-remote', 'echo', payload);
    const localCall = (): Promise<unknown> => local.caller.call('noop-local', 'echo', payload);

    log('measuring lattice calls to another host');
    await timeSequential(500, remoteCall);
    const remoteTimes = await timeSequential(N, remoteCall);
    const remote64 = await throughput(N * 2, 64, remoteCall);
    log('measuring same-host calls');
    await timeSequential(500, localCall);
    const localTimes = await timeSequential(N, localCall);
    const local64 = await throughput(N * 2, 64, localCall);
    await view.stop();
    const perSec = (t: number[]): number => t.length / (t.reduce((a, b) => a + b, 0) / 1000);
    const p50 = percentile(remoteTimes, 50);
    return {
      title: 'lattice: calls to a no-op component vs raw NATS request/reply',
      baseline: 'raw nats.js request/reply (echo), sequential, same server, same run',
      rows: [
        { name: 'raw request/reply p50', value: raw.p50Ms, unit: 'ms', ratio: 1 },
        { name: 'raw request/reply p99', value: raw.p99Ms, unit: 'ms', ratio: 1 },
        { name: 'raw sequential', value: raw.sequentialPerSec, unit: 'req/s', ratio: 1 },
        { name: 'raw 64 in flight', value: raw.parallel64PerSec, unit: 'req/s', ratio: 1 },
        {
          name: 'raw to another process p50',
          value: external.p50Ms,
          unit: 'ms',
          ratio: external.p50Ms / raw.p50Ms,
        },
        {
          name: 'raw to another process p99',
          value: external.p99Ms,
          unit: 'ms',
          ratio: external.p99Ms / raw.p99Ms,
        },
        {
          name: 'other-host call p50 ÷ raw to another process',
          value: p50 / external.p50Ms,
          unit: '×',
          goal: '≤ 1.5×',
        },
        {
          name: 'other-host call p50',
          value: p50,
          unit: 'ms',
          ratio: p50 / raw.p50Ms,
          goal: '≤ 1.5× raw',
        },
        {
          name: 'other-host call p99',
          value: percentile(remoteTimes, 99),
          unit: 'ms',
          ratio: percentile(remoteTimes, 99) / raw.p99Ms,
        },
        {
          name: 'other-host sequential',
          value: perSec(remoteTimes),
          unit: 'calls/s',
          ratio: perSec(remoteTimes) / raw.sequentialPerSec,
        },
        {
          name: 'other-host 64 in flight',
          value: remote64,
          unit: 'calls/s',
          ratio: remote64 / raw.parallel64PerSec,
        },
        {
          name: 'same-host call p50',
          value: percentile(localTimes, 50),
          unit: 'ms',
          ratio: percentile(localTimes, 50) / raw.p50Ms,
          goal: 'p50 ≤ 0.15 ms, no NATS hop',
        },
        {
          name: 'same-host call p99',
          value: percentile(localTimes, 99),
          unit: 'ms',
          ratio: percentile(localTimes, 99) / raw.p99Ms,
        },
        {
          name: 'same-host sequential',
          value: perSec(localTimes),
          unit: 'calls/s',
          ratio: perSec(localTimes) / raw.sequentialPerSec,
        },
        {
          name: 'same-host 64 in flight',
          value: local64,
          unit: 'calls/s',
          ratio: local64 / raw.parallel64PerSec,
        },
      ],
      notes: [
        'The component is the AssemblyScript probe (operation "echo", 4-byte payload), 2 instances per host.',
        'Other-host: the caller (this process) routes by the heartbeat table to a host running as its own process.',
        'A host is always another process, so the like-for-like baseline is raw request/reply to an echo responder in another process; both are shown.',
      ],
    };
  } finally {
    await nc.close();
    await local.stop(1000);
    await remote.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;

/** Raw request/reply to an echo responder running in a separate Node process. */
async function measureExternalRequestReply(
  url: string,
  count: number,
): Promise<{ p50Ms: number; p99Ms: number }> {
  const { spawn } = await import('node:child_process');
  const { recordPid, signalPid } = await import('../src/nats/index.ts');
  const script = `import { connect } from '@nats-io/transport-node';
const nc = await connect({ servers: ${JSON.stringify(url)}, noAsyncTraces: true });
nc.subscribe('bench.ext', { callback: (_e, m) => m.respond(m.data) });
await nc.flush();
console.log('ready');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  recordPid(child.pid ?? 0, 'bench echo responder');
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const nc = await connectLattice({ servers: url });
  try {
    const req = (): Promise<unknown> => nc.request('bench.ext', 'ping', { timeout: 5000 });
    await timeSequential(500, req);
    const times = await timeSequential(count, req);
    return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
  } finally {
    await nc.close();
    signalPid(child.pid ?? 0, 'SIGTERM');
  }
}

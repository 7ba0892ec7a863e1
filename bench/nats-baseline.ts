import type { NatsConnection } from '@nats-io/transport-node';
import { connectLattice } from '../src/lattice/index.ts';
import { percentile, throughput, timeSequential } from './harness.ts';

export interface RawBaseline {
  p50Ms: number;
  p99Ms: number;
  sequentialPerSec: number;
  parallel64PerSec: number;
}

/**
 * Measures raw nats.js request/reply against `url`: an echo responder on one connection, the
 * requester on another. Every lattice benchmark measures this in the same run as its baseline.
 */
export async function measureRawRequestReply(
  url: string,
  count = 5000,
  payload = 'ping',
): Promise<RawBaseline> {
  const responder = await connectLattice({ servers: url, name: 'bench-responder' });
  const requester = await connectLattice({ servers: url, name: 'bench-requester' });
  try {
    const sub = responder.subscribe('bench.echo');
    void (async () => {
      for await (const m of sub) m.respond(m.data);
    })();
    await responder.flush();
    const req = (): Promise<unknown> => requester.request('bench.echo', payload, { timeout: 5000 });
    await timeSequential(500, req); // warm up
    const times = await timeSequential(count, req);
    const total = times.reduce((a, b) => a + b, 0);
    const parallel64PerSec = await throughput(count * 2, 64, req);
    return {
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      sequentialPerSec: count / (total / 1000),
      parallel64PerSec,
    };
  } finally {
    await closeAll(responder, requester);
  }
}

async function closeAll(...conns: NatsConnection[]): Promise<void> {
  await Promise.all(conns.map((c) => c.close()));
}

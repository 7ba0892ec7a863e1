/** `npm run bench -- nats`: raw nats.js request/reply on an embedded server (the lattice baseline). */
import { startNatsServer } from '../src/nats/index.ts';
import type { Bench } from './harness.ts';
import { measureRawRequestReply } from './nats-baseline.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bench: Bench = async ({ log }) => {
  const dir = mkdtempSync(join(tmpdir(), 'aloft-bench-'));
  const server = await startNatsServer({ name: 'bench', port: -1, httpPort: -1 }, { dir });
  try {
    log(`nats-server ${server.url}; measuring request/reply`);
    const raw = await measureRawRequestReply(server.url);
    return {
      title: 'nats: raw request/reply (the lattice baseline)',
      baseline: 'raw nats.js request/reply, sequential, on the same server in the same run',
      rows: [
        { name: 'request/reply p50', value: raw.p50Ms, unit: 'ms', ratio: 1 },
        { name: 'request/reply p99', value: raw.p99Ms, unit: 'ms', ratio: 1 },
        { name: 'sequential', value: raw.sequentialPerSec, unit: 'req/s', ratio: 1 },
        {
          name: '64 in flight',
          value: raw.parallel64PerSec,
          unit: 'req/s',
          ratio: raw.parallel64PerSec / raw.sequentialPerSec,
        },
      ],
      notes: ['nats-server 2.9.10 on loopback, nats.js 3.4.0, 4-byte payload echoed back.'],
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;

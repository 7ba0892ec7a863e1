// R3 JetStream KV across a 3-server cluster: SIGKILL of one server while writing loses no
// acknowledged write, and increments stay exactly-once across the failover. Two victims: the
// bucket's stream leader (a leader election), and a follower the writing client is connected to
// (a client reconnect with writes in flight).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectLattice } from '../../src/lattice/index.ts';
import { isAlive, type NatsServer } from '../../src/nats/index.ts';
import { natsKeyValue } from '../../src/providers/index.ts';
import { natsFixture } from './support.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => b && new TextDecoder().decode(b);

type Victim = 'stream leader' | 'client’s server (a follower)';

describe('NATS KV (R3) when a server dies', { timeout: 120_000 }, () => {
  const pids: number[] = [];
  after(() => assert.deepEqual(pids.filter(isAlive), [], 'nats-server processes left behind'));

  for (const which of ['stream leader', 'client’s server (a follower)'] as Victim[]) {
    it(`SIGKILL of the ${which} while writing loses no acknowledged write`, async () => {
      const nats = await natsFixture('cluster');
      pids.push(...nats.topo.servers().map((s) => s.pid));
      try {
        const setup = natsKeyValue({ nc: nats.nc, lattice: 'failover', retryBudgetMs: 15_000 });
        // Creating an R3 bucket right after the cluster forms may need retries (no suitable peers).
        await setup.set('data', 'warmup', utf8('x'));
        const jsm = await jetstreamManager(nats.nc);
        const info = await jsm.streams.info('KV_aloft_failover_kv_data');
        assert.equal(info.config.num_replicas, 3);
        const leader = info.cluster?.leader;
        const servers = nats.topo.servers();
        const victim: NatsServer | undefined =
          which === 'stream leader'
            ? servers.find((s) => s.name === leader)
            : servers.find((s) => s.name !== leader);
        assert.ok(victim, `found the ${which}`);
        // The writer connects to the victim only; it learns the others from the cluster.
        const writerNc =
          which === 'stream leader' ? nats.nc : await connectLattice({ servers: [victim.url] });
        const kv = natsKeyValue({ nc: writerNc, lattice: 'failover', retryBudgetMs: 15_000 });

        const total = 600;
        const acked = new Map<string, string>();
        const failures: string[] = [];
        let increments = 0;
        let maxLatency = 0;
        let next = 0;
        const killAt = 150;
        const writer = async (): Promise<void> => {
          while (next < total) {
            const i = next++;
            if (i === killAt) victim.signal('SIGKILL');
            const key = `key-${i}`;
            const t0 = performance.now();
            try {
              await kv.set('data', key, utf8(`value-${i}`));
              acked.set(key, `value-${i}`);
              await kv.increment('data', 'counter', 1n);
              increments++;
            } catch (err) {
              failures.push(`${key}: ${(err as { code?: string }).code ?? String(err)}`);
            }
            maxLatency = Math.max(maxLatency, performance.now() - t0);
          }
        };
        await Promise.all(Array.from({ length: 4 }, writer));
        await victim.exited;

        // Read back through a fresh connection to the survivors.
        const reader = natsKeyValue({ nc: await nats.connect(), lattice: 'failover' });
        const lost: string[] = [];
        for (const [key, value] of acked) {
          if (text(await reader.get('data', key)) !== value) lost.push(key);
        }
        assert.deepEqual(lost, [], `acknowledged writes lost: ${lost.length}`);
        // Every write succeeded within the retry budget, and every increment counted exactly once.
        assert.deepEqual(failures, []);
        assert.equal(acked.size, total);
        assert.equal(await reader.increment('data', 'counter', 0n), BigInt(increments));
        console.log(
          `nats R3, SIGKILL of the ${which}: ${acked.size}/${total} writes acknowledged and read back, ` +
            `${increments} increments exact, longest call ${maxLatency.toFixed(0)} ms`,
        );
        if (writerNc !== nats.nc) await writerNc.close();
      } finally {
        await nats.stop();
      }
    });
  }

  it('with JetStream gone, calls fail with KV_UNAVAILABLE after the retry budget, then recover', async () => {
    const nats = await natsFixture('single');
    pids.push(...nats.topo.servers().map((s) => s.pid));
    try {
      const kv = natsKeyValue({
        nc: nats.nc,
        lattice: 'gone',
        retryBudgetMs: 1000,
        requestTimeoutMs: 300,
      });
      await kv.set('data', 'k', utf8('v'));
      const [server] = nats.topo.servers();
      assert.ok(server);
      server.signal('SIGKILL');
      await server.exited;
      const t0 = performance.now();
      await assert.rejects(kv.get('data', 'k'), { code: 'KV_UNAVAILABLE', retryable: true });
      const ms = performance.now() - t0;
      assert.ok(ms >= 900 && ms < 3000, `gave up after ${ms.toFixed(0)} ms`);
      // The same client works again once the server is back (JetStream state survives on disk).
      await nats.topo.restart(nats.topo.clouds[0]!);
      const t1 = performance.now();
      let value: Uint8Array | undefined;
      for (;;) {
        try {
          value = await kv.get('data', 'k');
          break;
        } catch (err) {
          assert.equal((err as { code?: string }).code, 'KV_UNAVAILABLE');
          assert.ok(performance.now() - t1 < 15_000, 'recovered within 15 s');
        }
      }
      assert.equal(text(value), 'v');
      console.log(
        `nats JetStream gone: KV_UNAVAILABLE after ${ms.toFixed(0)} ms (budget 1000 ms); ` +
          `recovered ${(performance.now() - t1).toFixed(0)} ms after the restart`,
      );
    } finally {
      await nats.stop();
    }
  });
});

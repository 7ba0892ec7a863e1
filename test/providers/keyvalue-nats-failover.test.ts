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
import { isAloftError } from '../../src/support/index.ts';
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

  it('on a server cut off from the rest of its cluster, calls fail at once rather than after the retry budget, and work again once it rejoins', async () => {
    const nats = await natsFixture('cluster');
    pids.push(...nats.topo.servers().map((s) => s.pid));
    try {
      await natsKeyValue({ nc: nats.nc, lattice: 'cut', retryBudgetMs: 15_000 }).set(
        'data',
        'k',
        utf8('v'),
      );
      const [survivor, ...others] = nats.topo.servers();
      assert.ok(survivor && others.length === 2);
      const cloudOf = (pid: number): string =>
        nats.topo.members.find((m) => m.server?.pid === pid)?.cloud ?? '';
      const nc = await connectLattice({ servers: [survivor.url] });
      // The default budget (15 s) would hold every call that long while JetStream cannot answer.
      const kv = natsKeyValue({ nc, lattice: 'cut' });
      assert.equal(text(await kv.get('data', 'k')), 'v');
      const otherClouds = others.map((o) => cloudOf(o.pid));
      for (const s of others) s.signal('SIGKILL');
      await Promise.all(others.map((s) => s.exited));
      const t0 = performance.now();
      let err: unknown;
      while (performance.now() - t0 < 10_000) {
        const t1 = performance.now();
        err = await kv.set('data', 'k', utf8('w')).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (err && performance.now() - t1 < 500) break;
      }
      const failFastMs = performance.now() - t0;
      assert.ok(isAloftError(err, 'KV_UNAVAILABLE') && err.retryable, String(err));
      assert.match((err as Error).message, /reaches 0 other server\(s\).*needs 2/);
      assert.ok(failFastMs < 5_000, `calls failed at once only ${Math.round(failFastMs)} ms in`);
      const read = await kv.get('data', 'k').then(
        () => 'read',
        (e: unknown) => (e as { code?: string }).code,
      );
      assert.equal(read, 'KV_UNAVAILABLE', 'no read from a leader that may be stale either');

      for (const cloud of otherClouds) await nats.topo.restart(cloud);
      pids.push(...nats.topo.servers().map((s) => s.pid));
      const t2 = performance.now();
      let value: Uint8Array | undefined;
      for (;;) {
        try {
          value = await kv.get('data', 'k');
          break;
        } catch (e) {
          assert.equal((e as { code?: string }).code, 'KV_UNAVAILABLE');
          assert.ok(performance.now() - t2 < 30_000, 'recovered within 30 s of the rejoin');
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      // 'w' only if an attempt sent before the routes were known to be gone was kept by raft.
      assert.ok(['v', 'w'].includes(text(value) ?? ''), `read back ${String(text(value))}`);
      console.log(
        `nats server cut off: calls failed at once ${Math.round(failFastMs)} ms after the others died; ` +
          `served again ${Math.round(performance.now() - t2)} ms after they rejoined`,
      );
      await nc.close();
    } finally {
      await nats.stop();
    }
  });

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

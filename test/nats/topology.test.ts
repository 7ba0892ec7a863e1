import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/transport-node';
import { startTopology, isAlive, type Topology, type TopologyKind } from '../../src/nats/index.ts';
import { connectLattice } from '../../src/lattice/index.ts';
import { tempDir } from '../support/tmp.ts';

const pids: number[] = [];

async function withTopology(
  kind: TopologyKind,
  jetstream: boolean,
  fn: (t: Topology) => Promise<void>,
): Promise<void> {
  const dir = tempDir();
  const topo = await startTopology({ kind, dataDir: dir.path, jetstream, serversPerCloud: 1 });
  pids.push(...topo.servers().map((s) => s.pid));
  try {
    await fn(topo);
  } finally {
    await topo.destroy();
    dir.remove();
  }
}

/** Subscribes on one cloud's server and publishes from another's; resolves with what arrived. */
async function crossCloud(from: string, to: string, topo: Topology): Promise<string> {
  const sub = await connectLattice({ servers: topo.urls(to) });
  const pub = await connectLattice({ servers: topo.urls(from) });
  try {
    const got = new Promise<string>((resolve) => {
      const s = sub.subscribe('cross.cloud', { max: 1 });
      void (async () => {
        for await (const m of s) resolve(m.string());
      })();
    });
    await sub.flush();
    // Interest propagates between servers asynchronously: ask until the subscriber answers.
    const req = sub.subscribe('cross.cloud.ping');
    void (async () => {
      for await (const m of req) m.respond('pong');
    })();
    await sub.flush();
    for (let i = 0; ; i++) {
      try {
        await pub.request('cross.cloud.ping', '', { timeout: 200 });
        break;
      } catch (err) {
        if (i > 50) throw err;
      }
    }
    pub.publish('cross.cloud', `hello from ${from}`);
    return await got;
  } finally {
    await closeAll(sub, pub);
  }
}

async function closeAll(...conns: NatsConnection[]): Promise<void> {
  await Promise.all(conns.map((c) => c.close()));
}

describe('nats topologies', { timeout: 60_000 }, () => {
  after(() => {
    const alive = pids.filter(isAlive);
    assert.deepEqual(alive, [], `nats-server processes left behind: ${alive.join(', ')}`);
  });

  it('single: a server with JetStream accepts clients and stores', async () => {
    await withTopology('single', true, async (topo) => {
      assert.equal(topo.servers().length, 1);
      const nc = await connectLattice({ servers: topo.urls() });
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager(nc);
      const info = await jsm.getAccountInfo();
      assert.ok(info.limits !== undefined);
      await nc.close();
    });
  });

  it('cluster: one server per cloud, messages cross clouds, JetStream R3 works', async () => {
    await withTopology('cluster', true, async (topo) => {
      assert.deepEqual(topo.clouds, ['aws', 'gcp', 'azure']);
      assert.equal(topo.servers().length, 3);
      assert.equal(await crossCloud('aws', 'azure', topo), 'hello from aws');
      const nc = await connectLattice({ servers: topo.urls() });
      const { Kvm } = await import('@nats-io/kv');
      const kv = await createWithRetry(() => new Kvm(nc).create('r3test', { replicas: 3 }));
      await kv.put('k', 'v');
      const status = await kv.status();
      assert.equal(status.replicas, 3);
      assert.equal((await kv.get('k'))?.string(), 'v');
      await nc.close();
    });
  });

  it('supercluster: clusters per cloud joined by gateways carry messages across', async () => {
    await withTopology('supercluster', false, async (topo) => {
      assert.equal(topo.servers().length, 3);
      assert.equal(await crossCloud('gcp', 'aws', topo), 'hello from gcp');
    });
  });

  it('SIGKILL of one server: a client with several URLs reconnects to another in under 1 s', async () => {
    await withTopology('cluster', false, async (topo) => {
      const nc = await connectLattice({ servers: topo.urls() });
      const connectedTo = nc.info?.port;
      const victim = topo.servers().find((s) => s.ports.client === connectedTo);
      assert.ok(victim, 'client connected to a known server');
      const reconnected = (async () => {
        for await (const s of nc.status()) if (s.type === 'reconnect') return performance.now();
        return Number.NaN;
      })();
      const t0 = performance.now();
      victim.signal('SIGKILL');
      const t1 = await reconnected;
      assert.notEqual(nc.info?.port, connectedTo);
      assert.ok(t1 - t0 < 1000, `reconnected after ${Math.round(t1 - t0)} ms`);
      // And the connection works on its new server.
      const sub = nc.subscribe('after.failover', { max: 1 });
      nc.publish('after.failover', 'ok');
      for await (const m of sub) assert.equal(m.string(), 'ok');
      await nc.close();
    });
  });
});

async function createWithRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      // A fresh cluster may briefly report "no suitable peers" while it settles.
      if (i > 40) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

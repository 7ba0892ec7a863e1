/**
 * `npm run bench -- reconcile [hosts] [instances]`: a reconciler process deploys one application
 * of 10,000 instances onto 1,000 lightweight simulated hosts over a real NATS server, and the
 * benchmark prints the time until every instance is reported running, the reconciler's RSS, and
 * the planning cost. The simulated hosts speak the real protocol (heartbeats, `host.inventory`,
 * `component.start|scale|stop`) from this process, without running components.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  decodeJson,
  encodeJson,
  schemas,
  subjectsFor,
  type Heartbeat,
} from '../src/lattice/index.ts';
import { startNatsServer } from '../src/nats/index.ts';
import { openAppStore } from '../src/reconciler/index.ts';
import { spreadManifest } from '../src/sim/index.ts';
import { spawnReconciler } from '../test/support/reconciler.ts';
import type { Bench } from './harness.ts';

const lattice = 'bench';

interface FakeHost {
  id: string;
  labels: Record<string, string>;
  components: Map<
    string,
    { ref: string; count: number; app?: string; version?: string; startedAt: string }
  >;
  revision: number;
  seq: number;
}

const bench: Bench = async ({ args, log }) => {
  const hostCount = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
  const instances = Number(args.filter((a) => /^\d+$/.test(a))[1] ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'aloft-bench-reconcile-'));
  const server = await startNatsServer(
    { name: 'bench', port: -1, httpPort: -1, jetstream: { storeDir: join(dir, 'js') } },
    { dir },
  );
  const s = subjectsFor(lattice);
  const conns: NatsConnection[] = [];
  for (let i = 0; i < 4; i++)
    conns.push(await connectLattice({ servers: server.url, name: `fake-hosts-${i}` }));
  const clouds = ['aws', 'gcp', 'azure'];
  const hosts = new Map<string, FakeHost>();
  for (let i = 0; i < hostCount; i++) {
    const id = `NFAKE${String(i).padStart(6, '0')}`;
    hosts.set(id, {
      id,
      labels: { cloud: clouds[i % 3] ?? 'aws' },
      components: new Map(),
      revision: 0,
      seq: 0,
    });
  }
  const nc0 = conns[0] as NatsConnection;
  const connOf = (h: FakeHost): NatsConnection =>
    conns[Number(h.id.slice(5)) % conns.length] ?? nc0;
  const beat = (h: FakeHost): void => {
    const components: Record<string, number> = {};
    for (const [name, c] of h.components) components[name] = c.count;
    const hb: Heartbeat = {
      hostId: h.id,
      name: h.id,
      labels: h.labels,
      intervalMs: 1000,
      seq: h.seq++,
      inventoryRevision: h.revision,
      cordoned: false,
      components,
      providers: [],
      load: { inFlight: 0, capacity: 100 },
    };
    connOf(h).publish(s.heartbeat(h.id), encodeJson(hb));
  };
  const handle = (m: Msg): void => {
    const parts = m.subject.split('.');
    const id = parts[parts.length - 1] ?? '';
    const verb = parts.slice(4, -1).join('.');
    const h = hosts.get(id);
    if (!h) return;
    if (verb === 'host.inventory') {
      m.respond(
        encodeJson({
          hostId: h.id,
          components: [...h.components].map(([name, c]) => ({ name, ...c })),
          providers: [],
        }),
      );
      return;
    }
    if (verb === 'component.start' || verb === 'component.scale' || verb === 'component.stop') {
      const body = decodeJson(
        m.data,
        verb === 'component.start'
          ? schemas.ComponentStartRequest
          : verb === 'component.scale'
            ? schemas.ComponentScaleRequest
            : schemas.ComponentStopRequest,
        verb,
      ) as {
        name: string;
        ref?: string;
        count?: number;
        app?: string;
        version?: string;
      };
      m.respond(encodeJson({ accepted: true, hostId: h.id }));
      const prev = h.components.get(body.name);
      if (verb === 'component.stop' || body.count === 0) h.components.delete(body.name);
      else {
        h.components.set(body.name, {
          ref: body.ref ?? prev?.ref ?? '',
          count: body.count ?? 1,
          ...(body.app ? { app: body.app } : {}),
          ...(body.version ? { version: body.version } : {}),
          startedAt: prev?.startedAt ?? new Date().toISOString(),
        });
      }
      h.revision++;
      beat(h);
    }
  };
  for (const c of conns) c.subscribe(`${s.root}.ctl.v1.>`, { callback: (_e, m) => handle(m) });
  const timer = setInterval(() => hosts.forEach(beat), 1000);
  hosts.forEach(beat);
  const nc = await connectLattice({ servers: server.url });
  const reconciler = await spawnReconciler({ natsUrls: [server.url], lattice, id: 'bench' });
  try {
    const apps = await openAppStore(nc, lattice);
    const manifest = spreadManifest({
      app: 'big',
      version: 'v1',
      component: 'worker',
      image: `sha256:${'0'.repeat(64)}`,
      instances,
      clouds,
    });
    await apps.put(manifest, 'big.yaml');
    await new Promise((r) => setTimeout(r, 2500)); // every simulated host has beaten at least twice
    log(`deploying ${instances} instances onto ${hostCount} simulated hosts`);
    const t0 = performance.now();
    await apps.deploy('big');
    const running = (): number =>
      [...hosts.values()].reduce((n, h) => n + (h.components.get('worker')?.count ?? 0), 0);
    while (running() < instances && performance.now() - t0 < 120_000)
      await new Promise((r) => setTimeout(r, 20));
    const deployedMs = performance.now() - t0;
    const placed = running();
    const rssMiB =
      Number(
        /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${reconciler.pid}/status`, 'utf8'))?.[1] ?? 0,
      ) / 1024;
    return {
      title: `reconcile: ${instances} instances onto ${hostCount} simulated hosts`,
      baseline: 'the goal of 10 s to Deployed',
      rows: [
        {
          name: 'time to all instances running',
          value: deployedMs / 1000,
          unit: 's',
          ratio: deployedMs / 10_000,
          goal: '≤ 10 s',
        },
        { name: 'instances placed', value: placed, unit: 'instances' },
        { name: 'reconciler RSS', value: rssMiB, unit: 'MiB' },
      ],
      notes: [
        'One nats-server with JetStream; the reconciler is its own process (`aloft reconciler`); the simulated hosts answer control requests and heartbeat every second from the benchmark process over 4 connections.',
      ],
    };
  } finally {
    clearInterval(timer);
    await reconciler.stop();
    await nc.close();
    for (const c of conns) await c.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;

// Real servers for provider tests: nats-server topologies and redis-server processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice } from '../../src/lattice/index.ts';
import {
  freePort,
  recordPid,
  startTopology,
  type Topology,
  type TopologyKind,
} from '../../src/nats/index.ts';
import { tempDir } from '../support/tmp.ts';

/** A NATS topology with JetStream and a connection to all of its servers. */
export async function natsFixture(kind: TopologyKind = 'single'): Promise<{
  topo: Topology;
  nc: NatsConnection;
  connect(): Promise<NatsConnection>;
  stop(): Promise<void>;
}> {
  const dir = tempDir('aloft-providers-');
  const topo = await startTopology({ kind, dataDir: dir.path });
  const conns: NatsConnection[] = [];
  const connect = async (): Promise<NatsConnection> => {
    const c = await connectLattice({ servers: topo.urls(), name: 'provider-test' });
    conns.push(c);
    return c;
  };
  const nc = await connect();
  return {
    topo,
    nc,
    connect,
    stop: async () => {
      await Promise.all(conns.map((c) => c.close()));
      await topo.destroy();
      dir.remove();
    },
  };
}

/** A redis-server on a random loopback port, without persistence. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** SIGKILL, resolving once the process has exited. */
  kill(): Promise<void>;
  /** Sends a signal (SIGSTOP/SIGCONT to hang and resume it). */
  signal(sig: NodeJS.Signals): void;
}

/**
 * Starts redis-server on `port` (a free one by default), with `extraArgs` (e.g. `--requirepass`),
 * and resolves once it accepts clients.
 */
export async function startRedis(port?: number, extraArgs: string[] = []): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server did not start');
  recordPid(pid, 'redis-server');
  const exited = once(child, 'exit');
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited early:\n${out}`)));
  });
  child.stdout?.resume();
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    pid,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
    signal: (sig) => child.kill(sig),
  };
}

import { join } from 'node:path';
import { existsSync, renameSync, rmSync } from 'node:fs';
import {
  ensureAuth,
  freePort,
  isAlive,
  startTopology,
  stopPid,
  type MemberNetwork,
  type TopologyOptions,
} from '../nats/index.ts';
import { BROWSER_ISSUER, latticeAccount } from '../lattice/index.ts';
import { AloftError, pollUntil, silentLogger, type Logger } from '../support/index.ts';
import { journalFile, lastJournalFile } from './journal.ts';
import { assertCloudName } from './network-plan.ts';
import { createNetwork, destroyNetwork, sweepStaleNetworks } from './netns.ts';
import { planHosts, regionOf, type SimOptions } from './plan.ts';
import {
  execIn,
  startHostProcess,
  startProxyProcess,
  startReconcilerProcess,
} from './processes.ts';
import {
  cloudNetwork,
  cloudPids,
  readSimState,
  simDir,
  writeSimState,
  type CloudState,
  type NetworkState,
  type SimState,
} from './state.ts';

/** Port of each cloud's HTTP ingress inside its own network namespace. */
const NETNS_INGRESS_PORT = 8080;
/** Client port of a cloud's first NATS server inside its namespace (the next: +1). */
const NETNS_NATS_PORT = 4222;
/** First port of the latency proxies inside a cloud's namespace. */
const NETNS_PROXY_PORT = 7400;

export interface StartSimOptions extends SimOptions {
  dataDir: string;
  logger?: Logger;
  /**
   * `auto` (default): network namespaces per cloud when this process may create them (root with
   * iproute2), else loopback. `loopback`: never namespaces (then partitions are unavailable).
   * `ALOFT_SIM_NETWORK=loopback` in the environment has the same effect as `loopback`.
   */
  network?: 'auto' | 'loopback';
}

/**
 * Starts a simulated multi-cloud lattice on this machine: NATS servers per cloud (a stretched
 * cluster, one server per cloud, or one cluster per cloud joined by gateways), worker hosts and an
 * HTTP ingress host per cloud labelled `cloud`/`region`/`role`, and a reconciler per cloud, all as
 * detached processes recorded in `<dataDir>/sim/sim.json`, so that `aloft sim …` faults from any
 * terminal act on exactly them. Each cloud runs in a network namespace of its own when possible
 * (see {@link StartSimOptions.network}); the state says which, and why not.
 */
export async function startSim(options: StartSimOptions): Promise<SimState> {
  const log = options.logger ?? silentLogger;
  options.clouds.forEach(assertCloudName);
  const existing = readSimState(options.dataDir);
  if (existing && Object.values(existing.clouds).some((c) => cloudPids(c).some(isAlive))) {
    throw new AloftError('SIM_RUNNING', `a simulation is already running from ${options.dataDir}`, {
      hint: 'stop it with "aloft sim down"',
    });
  }
  if (existing) await stopSim(options.dataDir); // a crashed run's leftovers (namespaces, data)
  const dir = simDir(options.dataDir);
  rmSync(join(dir, 'nats'), { recursive: true, force: true }); // stale JetStream stores slow elections
  const network = await setUpNetwork(options);
  const auth = options.auth
    ? await ensureAuth(join(dir, 'auth'), {
        operator: 'aloft-sim',
        accounts: [{ name: options.lattice, ...latticeAccount(options.lattice) }],
      })
    : undefined;
  const clouds: Record<string, CloudState> = {};
  for (const cloud of options.clouds) {
    clouds[cloud] = {
      region: regionOf(cloud),
      condition: 'up',
      nats: [],
      hosts: [],
      others: [],
      latencyMs: 0,
    };
  }
  const state: SimState = {
    startedAt: new Date().toISOString(),
    lattice: options.lattice,
    topology: options.topology,
    hostsPerCloud: options.hostsPerCloud,
    dataDir: options.dataDir,
    network,
    clouds,
    ...(auth
      ? {
          auth: {
            dir: auth.dir,
            creds: auth.creds[options.lattice] ?? {},
            ...(auth.issuers[options.lattice]?.[BROWSER_ISSUER]
              ? { browserIssuer: auth.issuers[options.lattice]?.[BROWSER_ISSUER] }
              : {}),
          },
        }
      : {}),
  };
  writeSimState(state);
  try {
    await startNats(state, options, log, auth?.server);
    writeSimState(state);
    await Promise.all([
      ...planHosts(options).map(async (h) => {
        const record = await startHostProcess(state, h.cloud, h.name);
        clouds[h.cloud]?.hosts.push(record);
      }),
      ...options.clouds.map(async (cloud) => {
        const c = clouds[cloud];
        const net = cloudNetwork(state, cloud);
        const port = net ? NETNS_INGRESS_PORT : await freePort();
        const host = await startHostProcess(state, cloud, `${cloud}-ingress`, 'ingress');
        if (c) {
          c.ingress = {
            ...host,
            url: `http://${net?.accessIp ?? '127.0.0.1'}:${port}`,
            listen: `${net ? '0.0.0.0' : '127.0.0.1'}:${port}`,
          };
        }
      }),
    ]);
    for (const cloud of options.clouds) {
      clouds[cloud]?.others.push(await startReconcilerProcess(state, cloud));
    }
    writeSimState(state);
  } catch (err) {
    writeSimState(state);
    await stopSim(options.dataDir);
    throw err;
  }
  return state;
}

async function setUpNetwork(options: StartSimOptions): Promise<NetworkState> {
  const wanted =
    options.network === 'loopback' || process.env.ALOFT_SIM_NETWORK === 'loopback'
      ? 'loopback'
      : 'auto';
  if (wanted === 'loopback') {
    return { mode: 'loopback', reason: 'the simulation was started on loopback by request' };
  }
  const made = await createNetwork(options.clouds, options.dataDir);
  if (!made.ok) return { mode: 'loopback', reason: made.reason };
  return {
    mode: 'netns',
    plan: made.plan,
    nft: made.nft,
    ...(made.nftReason ? { nftReason: made.nftReason } : {}),
    isolated: [],
    cuts: [],
  };
}

/**
 * Starts the NATS topology, in the clouds' namespaces when there are some. In a supercluster, each
 * server's gateway is reached through its cloud's latency proxy (`aloft sim latency`), which the
 * servers advertise, so that gossip does not route around it.
 */
async function startNats(
  state: SimState,
  options: StartSimOptions,
  log: Logger,
  operator: TopologyOptions['operator'],
): Promise<void> {
  const perCloud = options.topology === 'supercluster' ? 2 : 1;
  const proxied = options.topology === 'supercluster';
  const ports = proxied
    ? await Promise.all(
        Array.from({ length: options.clouds.length * perCloud }, (_, i) =>
          state.network.mode === 'netns' ? Promise.resolve(NETNS_PROXY_PORT + i) : freePort(),
        ),
      )
    : [];
  const listeners = new Map<string, { cloud: string; listen: string; target: string }>();
  const network: TopologyOptions['network'] = {
    ...(state.network.mode === 'netns'
      ? {
          member: (cloud: string, name: string): MemberNetwork => {
            const net = cloudNetwork(state, cloud);
            const index = name === cloud ? 0 : Number(name.slice(cloud.length + 1)) - 1;
            return {
              clientPort: NETNS_NATS_PORT + index,
              listenHost: '0.0.0.0',
              reachHost: net?.accessIp ?? '127.0.0.1',
              peerHost: net?.wanIp ?? '127.0.0.1',
              exec: execIn(state, cloud),
            };
          },
        }
      : {}),
    ...(proxied
      ? {
          gatewayAddress: (cloud: string, name: string, port: number): string => {
            let l = listeners.get(name);
            if (!l) {
              const host = cloudNetwork(state, cloud)?.wanIp ?? '127.0.0.1';
              l = {
                cloud,
                listen: `${host}:${ports[listeners.size] ?? 0}`,
                target: `127.0.0.1:${port}`,
              };
              listeners.set(name, l);
            }
            return l.listen;
          },
        }
      : {}),
  };
  const starting = startTopology({
    ...(operator ? { operator } : {}),
    kind: options.topology,
    clouds: options.clouds,
    serversPerCloud: perCloud,
    dataDir: join(simDir(state.dataDir), 'nats'),
    jetstream: true,
    websocket: true,
    detached: true,
    logger: log,
    network,
    readyTimeoutMs: 30_000,
  });
  if (proxied) {
    // The servers' gateway addresses are planned before they start: start the proxies meanwhile.
    await pollUntil(() => (listeners.size === ports.length ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 10,
      what: 'the gateway plan',
    });
    for (const [cloud, c] of Object.entries(state.clouds)) {
      c.proxy = {
        name: `proxy-${cloud}`,
        pid: 0,
        listeners: [...listeners.values()]
          .filter((l) => l.cloud === cloud)
          .map(({ listen, target }) => ({ listen, target })),
      };
    }
    writeSimState(state);
    for (const [cloud, c] of Object.entries(state.clouds)) {
      if (c.proxy) c.proxy.pid = (await startProxyProcess(state, cloud)).pid;
    }
  }
  const topo = await starting;
  for (const [cloud, c] of Object.entries(state.clouds)) {
    c.nats = topo.members
      .filter((m) => m.cloud === cloud && m.server)
      .map((m) => ({
        name: m.spec.name,
        pid: m.server?.pid ?? 0,
        url: m.server?.url ?? '',
        dir: m.server?.dir ?? '',
        spec: m.spec as unknown as Record<string, unknown>,
        ...(m.network?.exec ? { exec: m.network.exec } : {}),
        ...(m.network ? { reachHost: m.network.reachHost } : {}),
      }));
  }
}

/**
 * Stops everything the simulation started, removes its network namespaces (and those of crashed
 * runs) and its data.
 */
export async function stopSim(dataDir: string): Promise<string[]> {
  const state = readSimState(dataDir);
  if (!state) {
    await sweepStaleNetworks().catch(() => undefined);
    return [];
  }
  const stopped: string[] = [];
  if (state.supervisorPid && state.supervisorPid !== process.pid)
    await stopPid(state.supervisorPid, 2000);
  for (const c of Object.values(state.clouds)) {
    const procs = [...c.others, ...c.hosts, ...(c.ingress ? [c.ingress] : [])].filter(
      (p) => p.pid > 0,
    );
    await Promise.all(procs.map((p) => stopPid(p.pid, 3000)));
    stopped.push(...procs.map((p) => p.name));
  }
  for (const c of Object.values(state.clouds)) {
    await Promise.all(c.nats.filter((n) => n.pid > 0).map((n) => stopPid(n.pid, 3000)));
    stopped.push(...c.nats.map((n) => n.name));
    if (c.proxy && c.proxy.pid > 0) {
      await stopPid(c.proxy.pid, 1000);
      stopped.push(c.proxy.name);
    }
  }
  if (state.network.mode === 'netns') {
    await destroyNetwork(state.network.plan);
    stopped.push(`network namespaces ${state.network.plan.prefix}-*`);
  }
  await sweepStaleNetworks().catch(() => undefined);
  // The run's journal outlives it, so `aloft sim report` works after `aloft sim down`.
  if (existsSync(journalFile(dataDir))) renameSync(journalFile(dataDir), lastJournalFile(dataDir));
  rmSync(simDir(dataDir), { recursive: true, force: true });
  return stopped;
}

export { readSimState };

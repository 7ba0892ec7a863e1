import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { spawnAloft } from '../host/index.ts';
import {
  isAlive,
  signalPid,
  startNatsServer,
  startTopology,
  stopPid,
  type ServerSpec,
} from '../nats/index.ts';
import { AloftError, silentLogger, type Logger } from '../support/index.ts';
import { planHosts, regionOf, type SimOptions } from './plan.ts';
import { simIssuer } from './keys.ts';
import {
  cloudPids,
  readSimState,
  simDir,
  writeSimState,
  type CloudState,
  type SimState,
} from './state.ts';

/**
 * Starts a simulated multi-cloud lattice on this machine: NATS servers per cloud (a stretched
 * cluster, one server per cloud, or one cluster per cloud joined by gateways) and hosts labelled
 * `cloud`/`region`, all as detached processes recorded in `<dataDir>/sim/sim.json`, so that
 * `aloft sim kill|hang|restore|down` from any terminal acts on exactly them.
 */
export async function startSim(
  options: SimOptions & { dataDir: string; logger?: Logger },
): Promise<SimState> {
  const log = options.logger ?? silentLogger;
  const existing = readSimState(options.dataDir);
  if (existing && Object.values(existing.clouds).some((c) => cloudPids(c).some(isAlive))) {
    throw new AloftError('SIM_RUNNING', `a simulation is already running from ${options.dataDir}`, {
      hint: 'stop it with "aloft sim down"',
    });
  }
  const dir = simDir(options.dataDir);
  rmSync(join(dir, 'nats'), { recursive: true, force: true }); // stale JetStream stores slow elections
  const topo = await startTopology({
    kind: options.topology,
    clouds: options.clouds,
    serversPerCloud: options.topology === 'supercluster' ? 2 : 1,
    dataDir: join(dir, 'nats'),
    jetstream: true,
    websocket: true,
    detached: true,
    logger: log,
  });
  const clouds: Record<string, CloudState> = {};
  for (const cloud of options.clouds) {
    clouds[cloud] = {
      region: regionOf(cloud),
      condition: 'up',
      nats: topo.members
        .filter((m) => m.cloud === cloud && m.server)
        .map((m) => ({
          name: m.spec.name,
          pid: m.server?.pid ?? 0,
          url: m.server?.url ?? '',
          dir: m.server?.dir ?? '',
          spec: m.spec as unknown as Record<string, unknown>,
        })),
      hosts: [],
      others: [],
    };
  }
  const state: SimState = {
    startedAt: new Date().toISOString(),
    lattice: options.lattice,
    topology: options.topology,
    hostsPerCloud: options.hostsPerCloud,
    dataDir: options.dataDir,
    clouds,
  };
  writeSimState(state);
  await Promise.all(
    planHosts(options).map(async (h) => {
      const record = await startHost(state, h.cloud, h.name);
      clouds[h.cloud]?.hosts.push(record);
    }),
  );
  for (const cloud of options.clouds) {
    clouds[cloud]?.others.push(await startReconcilerProcess(state, cloud));
  }
  writeSimState(state);
  return state;
}

/** Starts the cloud's reconciler (one per cloud; the lease decides which acts). */
async function startReconcilerProcess(
  state: SimState,
  cloud: string,
): Promise<{ name: string; pid: number }> {
  const c = state.clouds[cloud];
  const urls = (c?.nats ?? []).map((n) => n.url).join(',');
  const name = `reconciler-${cloud}`;
  const { pid } = await spawnAloft(
    name,
    ['reconciler', '--nats-url', urls, '--lattice', state.lattice, '--id', name],
    join(simDir(state.dataDir), 'logs'),
  );
  return { name, pid };
}

/** Starts one host of `cloud` as a detached process, connected to its cloud's NATS. */
async function startHost(
  state: SimState,
  cloud: string,
  name: string,
): Promise<{ name: string; pid: number; hostId: string }> {
  const c = state.clouds[cloud];
  if (!c) throw new AloftError('NOT_FOUND', `no cloud ${cloud}`);
  const urls = c.nats.map((n) => n.url).join(',');
  const { pid, announcement } = await spawnAloft(
    `host-${name}`,
    [
      'host',
      '--nats-url',
      urls,
      '--lattice',
      state.lattice,
      '--name',
      name,
      '--label',
      `cloud=${cloud}`,
      '--label',
      `region=${c.region}`,
      '--data-dir',
      join(simDir(state.dataDir), 'hosts', name),
      '--trusted-issuers',
      simIssuer(state.dataDir).publicKey,
    ],
    join(simDir(state.dataDir), 'logs'),
  );
  const hostId = (JSON.parse(announcement) as { hostId?: string }).hostId ?? '';
  return { name, pid, hostId };
}

function load(dataDir: string): SimState {
  const state = readSimState(dataDir);
  if (!state)
    throw new AloftError('NOT_FOUND', `no simulation in ${dataDir}`, {
      hint: 'start one with "aloft sim up"',
    });
  return state;
}

function cloudOf(state: SimState, cloud: string): CloudState {
  const c = state.clouds[cloud];
  if (!c) {
    throw new AloftError('USAGE', `no cloud ${JSON.stringify(cloud)} in the simulation`, {
      hint: `clouds: ${Object.keys(state.clouds).join(', ')}`,
    });
  }
  return c;
}

/** SIGKILL every process of a cloud: a whole-cloud outage. */
export function killCloud(dataDir: string, cloud: string): SimState {
  const state = load(dataDir);
  const c = cloudOf(state, cloud);
  for (const pid of cloudPids(c)) {
    signalPid(pid, 'SIGKILL');
  }
  c.condition = 'killed';
  writeSimState(state);
  return state;
}

/** SIGSTOP every process of a cloud: a gray failure (everything hangs, connections stay open). */
export function hangCloud(dataDir: string, cloud: string): SimState {
  const state = load(dataDir);
  const c = cloudOf(state, cloud);
  for (const pid of cloudPids(c)) signalPid(pid, 'SIGSTOP');
  c.condition = 'hung';
  writeSimState(state);
  return state;
}

/**
 * Brings a cloud back: resumes hung processes; restarts killed NATS servers on their old ports
 * (keeping their JetStream data) and starts the cloud's hosts afresh.
 */
export async function restoreCloud(dataDir: string, cloud: string): Promise<SimState> {
  const state = load(dataDir);
  const c = cloudOf(state, cloud);
  for (const pid of cloudPids(c)) signalPid(pid, 'SIGCONT');
  for (const n of c.nats) {
    if (isAlive(n.pid)) continue;
    const server = await startNatsServer(n.spec as unknown as ServerSpec, {
      dir: n.dir,
      detached: true,
    });
    n.pid = server.pid;
  }
  await Promise.all(
    c.hosts.map(async (h) => {
      if (isAlive(h.pid)) return;
      const fresh = await startHost(state, cloud, h.name);
      h.pid = fresh.pid;
      h.hostId = fresh.hostId;
    }),
  );
  for (const [i, p] of c.others.entries()) {
    if (isAlive(p.pid) || !p.name.startsWith('reconciler-')) continue;
    c.others[i] = await startReconcilerProcess(state, cloud);
  }
  c.condition = 'up';
  writeSimState(state);
  return state;
}

/** Resumes every hung process in every cloud. */
export function healAll(dataDir: string): SimState {
  const state = load(dataDir);
  for (const c of Object.values(state.clouds)) {
    for (const pid of cloudPids(c)) signalPid(pid, 'SIGCONT');
    if (c.condition === 'hung' || c.condition === 'partitioned') c.condition = 'up';
  }
  writeSimState(state);
  return state;
}

/** Stops everything the simulation started and removes its data. */
export async function stopSim(dataDir: string): Promise<string[]> {
  const state = readSimState(dataDir);
  if (!state) return [];
  const stopped: string[] = [];
  if (state.supervisorPid && state.supervisorPid !== process.pid)
    await stopPid(state.supervisorPid, 2000);
  for (const c of Object.values(state.clouds)) {
    for (const p of [...c.others, ...c.hosts]) {
      await stopPid(p.pid, 3000);
      stopped.push(p.name);
    }
  }
  for (const c of Object.values(state.clouds)) {
    await Promise.all(c.nats.map((n) => stopPid(n.pid, 3000)));
    stopped.push(...c.nats.map((n) => n.name));
  }
  rmSync(simDir(dataDir), { recursive: true, force: true });
  return stopped;
}

export { readSimState };

/**
 * Fault injection: the operations `aloft sim kill|hang|restore|partition|heal|latency` run, the
 * chaos suite calls and the dashboard's buttons call. Each takes the simulation's data directory
 * and acts on what its state records, so any process on the machine can inject a fault.
 */
import { isAlive, signalPid } from '../nats/index.ts';
import { AloftError } from '../support/index.ts';
import { recordFault } from './journal.ts';
import { addCut, removeCuts, type Cut } from './network-plan.ts';
import { applyCuts, applyIsolation } from './netns.ts';
import {
  restartNats,
  startHostProcess,
  startProxyProcess,
  startReconcilerProcess,
} from './processes.ts';
import { cloudPids, readSimState, writeSimState, type CloudState, type SimState } from './state.ts';

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
  recordFault(dataDir, 'kill', [cloud]);
  for (const pid of cloudPids(c)) signalPid(pid, 'SIGKILL');
  c.condition = 'killed';
  writeSimState(state);
  return state;
}

/** SIGSTOP every process of a cloud: a gray failure (everything hangs, connections stay open). */
export function hangCloud(dataDir: string, cloud: string): SimState {
  const state = load(dataDir);
  const c = cloudOf(state, cloud);
  recordFault(dataDir, 'hang', [cloud]);
  for (const pid of cloudPids(c)) signalPid(pid, 'SIGSTOP');
  c.condition = 'hung';
  writeSimState(state);
  return state;
}

/**
 * Brings a cloud back: resumes hung processes; restarts killed NATS servers on their old ports
 * (keeping their JetStream data), its latency proxy, and starts its hosts, ingress and reconciler
 * afresh. A partitioned cloud stays partitioned (use {@link healNetwork}).
 */
export async function restoreCloud(dataDir: string, cloud: string): Promise<SimState> {
  const state = load(dataDir);
  const c = cloudOf(state, cloud);
  recordFault(dataDir, 'restore', [cloud]);
  for (const pid of cloudPids(c)) signalPid(pid, 'SIGCONT');
  if (c.proxy && !isAlive(c.proxy.pid)) c.proxy.pid = (await startProxyProcess(state, cloud)).pid;
  for (const n of c.nats) if (!isAlive(n.pid)) n.pid = await restartNats(n);
  await Promise.all([
    ...c.hosts.map(async (h) => {
      if (isAlive(h.pid)) return;
      const fresh = await startHostProcess(state, cloud, h.name);
      h.pid = fresh.pid;
      h.hostId = fresh.hostId;
    }),
    (async () => {
      const ingress = c.ingress;
      if (!ingress || isAlive(ingress.pid)) return;
      const fresh = await startHostProcess(state, cloud, ingress.name, 'ingress');
      ingress.pid = fresh.pid;
      ingress.hostId = fresh.hostId;
    })(),
  ]);
  for (const [i, p] of c.others.entries()) {
    if (isAlive(p.pid) || !p.name.startsWith('reconciler-')) continue;
    c.others[i] = await startReconcilerProcess(state, cloud);
  }
  const net = state.network;
  c.condition = net.mode === 'netns' && net.isolated.includes(cloud) ? 'partitioned' : 'up';
  writeSimState(state);
  return state;
}

/** Why partitions cannot be simulated here, as an error to show (undefined when they can). */
function partitionsUnavailable(state: SimState, needNft: boolean): AloftError | undefined {
  const net = state.network;
  if (net.mode === 'loopback') {
    return new AloftError(
      'SIM_PARTITION_UNAVAILABLE',
      `partitions need each cloud in a network namespace, and this simulation runs on loopback: ${net.reason}`,
      {
        hint: 'run "aloft sim up" as root on Linux with iproute2 (apt-get install iproute2); kill, hang and restore work here',
      },
    );
  }
  if (needNft && !net.nft) {
    return new AloftError(
      'SIM_PARTITION_UNAVAILABLE',
      `cuts between two clouds need nftables inside the namespaces: ${net.nftReason ?? 'unavailable'}`,
      {
        hint: 'apt-get install nftables; "aloft sim partition <cloud>" isolates a whole cloud without it',
      },
    );
  }
  return undefined;
}

function netnsOf(state: SimState, needNft: boolean) {
  const problem = partitionsUnavailable(state, needNft);
  if (problem) throw problem;
  if (state.network.mode !== 'netns') throw new Error('unreachable: loopback was reported above');
  return state.network;
}

/**
 * Isolates a cloud: its WAN link goes down (packets vanish, no reset), so its NATS servers lose
 * their routes and gateways to the other clouds while its own users still reach its ingress.
 */
export async function partitionCloud(dataDir: string, cloud: string): Promise<SimState> {
  const state = load(dataDir);
  const c = cloudOf(state, cloud);
  const net = netnsOf(state, false);
  recordFault(dataDir, 'partition', [cloud]);
  if (!net.isolated.includes(cloud)) net.isolated.push(cloud);
  await applyIsolation(net.plan, net.isolated);
  if (c.condition === 'up') c.condition = 'partitioned';
  writeSimState(state);
  return state;
}

/**
 * Cuts the link between two clouds (both directions, or only `from` → `to` with `oneWay`): each
 * still reaches the others, as in a partial partition.
 */
export async function cutLink(
  dataDir: string,
  from: string,
  to: string,
  options: { oneWay?: boolean } = {},
): Promise<SimState> {
  const state = load(dataDir);
  cloudOf(state, from);
  cloudOf(state, to);
  if (from === to) throw new AloftError('USAGE', `cannot cut ${from} from itself`);
  const net = netnsOf(state, true);
  recordFault(dataDir, options.oneWay ? 'cut-one-way' : 'cut', [from, to]);
  net.cuts = addCut(net.cuts, from, to, options.oneWay);
  await applyCuts(net.plan, net.cuts);
  writeSimState(state);
  return state;
}

/**
 * Mends the network: everything (no cloud), one cloud's isolation and cuts, or the link between
 * two clouds. Processes are left as they are (see {@link healAll}).
 */
export async function healNetwork(dataDir: string, a?: string, b?: string): Promise<SimState> {
  const state = load(dataDir);
  if (a) cloudOf(state, a);
  if (b) cloudOf(state, b);
  const net = state.network;
  if (net.mode !== 'netns') return state;
  const touched = a ? [a, ...(b ? [b] : [])] : [...net.isolated, ...net.cuts.map((c) => c.from)];
  if (touched.length > 0) recordFault(dataDir, 'heal', [...new Set(touched)]);
  const before: Cut[] = net.cuts;
  net.cuts = a === undefined ? [] : removeCuts(net.cuts, a, b);
  if (b === undefined) net.isolated = a === undefined ? [] : net.isolated.filter((c) => c !== a);
  await applyIsolation(net.plan, net.isolated);
  if (before.length > 0 && net.nft) await applyCuts(net.plan, net.cuts);
  for (const [name, c] of Object.entries(state.clouds)) {
    if (c.condition === 'partitioned' && !net.isolated.includes(name)) c.condition = 'up';
  }
  writeSimState(state);
  return state;
}

/** Heals everything: resumes every hung process and mends every partition and cut. */
export async function healAll(dataDir: string): Promise<SimState> {
  const state = load(dataDir);
  const hung = Object.entries(state.clouds).filter(([, c]) => c.condition === 'hung');
  if (hung.length > 0)
    recordFault(
      dataDir,
      'heal',
      hung.map(([name]) => name),
    );
  for (const c of Object.values(state.clouds)) {
    for (const pid of cloudPids(c)) signalPid(pid, 'SIGCONT');
    if (c.condition === 'hung') c.condition = 'up';
  }
  writeSimState(state);
  return healNetwork(dataDir);
}

/**
 * Adds `ms` of delay to every message that enters `cloud` over a gateway (0 removes it), through
 * the TCP proxy in front of its servers' gateway listeners. Needs the supercluster topology:
 * routes cannot be proxied (NATS servers gossip and dial each other's route ports directly).
 */
export function setLatency(dataDir: string, cloud: string, ms: number): SimState {
  const state = load(dataDir);
  const c = cloudOf(state, cloud);
  if (!Number.isInteger(ms) || ms < 0 || ms > 60_000) {
    throw new AloftError('USAGE', `latency must be 0-60000 ms, not ${String(ms)}`);
  }
  if (state.topology !== 'supercluster' || !c.proxy) {
    throw new AloftError(
      'SIM_LATENCY_UNAVAILABLE',
      `latency is added on gateway links, and this simulation uses the ${state.topology} topology (routes, no gateways)`,
      { hint: 'start it with "aloft sim up --topology supercluster"' },
    );
  }
  c.latencyMs = ms;
  recordFault(dataDir, 'latency', [cloud]);
  writeSimState(state);
  signalPid(c.proxy.pid, 'SIGHUP'); // the proxy re-reads its delay from the state
  return state;
}

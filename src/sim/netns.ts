/**
 * The shell around `network-plan.ts`: runs `ip` and `nft` to build, break, mend and remove the
 * simulation's network namespaces. Needs root (CAP_NET_ADMIN) and iproute2; per-pair cuts also
 * need nftables. Where they are missing, the simulation runs on loopback and these faults report
 * why they are unavailable.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../nats/index.ts';
import { AloftError } from '../support/index.ts';
import {
  cutScript,
  namespacesOf,
  newPrefix,
  pickAccessOctet,
  planNetwork,
  setupCommands,
  type Cut,
  type NetworkPlan,
} from './network-plan.ts';

/** Where each run notes its namespaces, so a later run can remove them after a crash. */
const REGISTRY = '/run/aloft-sim';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      const missing = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ code, stdout, stderr: missing ? `${cmd}: command not found` : stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function ip(args: readonly string[]): Promise<void> {
  const r = await run('ip', args);
  if (r.code !== 0) {
    throw new AloftError(
      'SIM_NETWORK_FAILED',
      `ip ${args.join(' ')} failed: ${r.stderr.trim() || `exit ${r.code}`}`,
    );
  }
}

/** The outcome of trying to build the network: a plan, or why the simulation stays on loopback. */
export type NetworkSetup =
  { ok: true; plan: NetworkPlan; nft: boolean; nftReason?: string } | { ok: false; reason: string };

/**
 * Builds namespaces for `clouds` (unique names for this run), or explains why it cannot. Removes
 * what it made when a step fails half-way.
 */
export async function createNetwork(clouds: string[], owner: string): Promise<NetworkSetup> {
  if (process.getuid?.() !== 0) {
    return { ok: false, reason: 'network namespaces need root (this process is not root)' };
  }
  await sweepStaleNetworks();
  const routes = await run('ip', ['-4', 'route']);
  if (routes.code !== 0) {
    return { ok: false, reason: `iproute2 is unusable here: ${routes.stderr.trim()}` };
  }
  const plan = planNetwork(newPrefix(), clouds, pickAccessOctet(routes.stdout));
  register(plan, owner);
  try {
    for (const cmd of setupCommands(plan)) await ip(cmd);
    for (const c of Object.values(plan.clouds)) await tuneTcp(c.ns);
  } catch (err) {
    await destroyNetwork(plan);
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `could not create network namespaces (${reason})` };
  }
  const probe = await nft(plan, Object.keys(plan.clouds)[0] ?? '', []);
  return probe ? { ok: true, plan, nft: false, nftReason: probe } : { ok: true, plan, nft: true };
}

/**
 * nats-server 2.9 (before 2.9.16) never sends a route or gateway PING while it has outbound
 * traffic, so a blackholed peer is noticed only when TCP gives up on its unacknowledged data
 * (15 minutes by default). Inside the simulated clouds TCP gives up after ~3 s of silence
 * (`tcp_retries2` = 3: retransmissions at 0.2, 0.4, 0.8 and 1.6 s), as a current nats-server's
 * pings would (FIELD-NOTES §2).
 */
async function tuneTcp(ns: string): Promise<void> {
  const r = await run('ip', [
    'netns',
    'exec',
    ns,
    'sh',
    '-c',
    'echo 3 > /proc/sys/net/ipv4/tcp_retries2',
  ]);
  if (r.code !== 0) {
    throw new AloftError('SIM_NETWORK_FAILED', `setting tcp_retries2 in ${ns}: ${r.stderr.trim()}`);
  }
}

/**
 * Whether this process can simulate partitions: undefined when it can create a network namespace
 * (one is made and removed at once), else the reason it cannot.
 */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root (this process is not root)';
  const ns = `${newPrefix()}-probe`;
  const r = await run('ip', ['netns', 'add', ns]);
  if (r.code !== 0) return `ip netns add failed: ${r.stderr.trim() || `exit ${r.code}`}`;
  await run('ip', ['netns', 'del', ns]);
  return undefined;
}

/** Applies the cuts inside one cloud's namespace; resolves an error text, or '' when done. */
async function nft(plan: NetworkPlan, cloud: string, cuts: readonly Cut[]): Promise<string> {
  const c = plan.clouds[cloud];
  if (!c) return `no cloud ${cloud}`;
  const r = await run(
    'ip',
    ['netns', 'exec', c.ns, 'nft', '-f', '-'],
    cutScript(plan, cloud, cuts),
  );
  if (r.code === 0) return '';
  const err = r.stderr.trim();
  return /not found|No such file/i.test(err)
    ? 'nftables (nft) is not installed: apt-get install nftables'
    : `nft failed: ${err}`;
}

/** Sets every cloud's WAN link: down (a blackhole, no RST) for `isolated`, up for the others. */
export async function applyIsolation(
  plan: NetworkPlan,
  isolated: readonly string[],
): Promise<void> {
  for (const [cloud, c] of Object.entries(plan.clouds)) {
    const state = isolated.includes(cloud) ? 'down' : 'up';
    await ip(['-n', plan.bridgeNs, 'link', 'set', c.bridgePort, state]);
  }
}

/** Rewrites every cloud's drop rules from the list of directed cuts. */
export async function applyCuts(plan: NetworkPlan, cuts: readonly Cut[]): Promise<void> {
  for (const cloud of Object.keys(plan.clouds)) {
    const err = await nft(plan, cloud, cuts);
    if (err) throw new AloftError('SIM_NETWORK_FAILED', `cutting links of ${cloud}: ${err}`);
  }
}

/** Removes the plan's namespaces (their interfaces go with them) and its registry note. */
export async function destroyNetwork(plan: NetworkPlan): Promise<void> {
  for (const ns of namespacesOf(plan)) await run('ip', ['netns', 'del', ns]);
  rmSync(join(REGISTRY, `${plan.prefix}.json`), { force: true });
}

function register(plan: NetworkPlan, owner: string): void {
  try {
    mkdirSync(REGISTRY, { recursive: true });
    writeFileSync(
      join(REGISTRY, `${plan.prefix}.json`),
      JSON.stringify({ plan, owner, pid: process.pid, at: new Date().toISOString() }),
    );
  } catch {
    // Best effort: without the note, a crashed run's namespaces are only removed by `sim down`.
  }
}

/** What a run notes in the registry about its network. */
interface RegistryNote {
  plan: NetworkPlan;
  /** The data directory of the run (`sim down --data-dir`). */
  owner?: string;
  /** The `sim up` that made it. */
  pid: number;
}

/** Every readable note in the registry. */
function registryNotes(registry: string): RegistryNote[] {
  if (!existsSync(registry)) return [];
  const notes: RegistryNote[] = [];
  for (const file of readdirSync(registry).filter((f) => f.endsWith('.json'))) {
    try {
      notes.push(JSON.parse(readFileSync(join(registry, file), 'utf8')) as RegistryNote);
    } catch {
      // A note being written or damaged: not a run this one can judge.
    }
  }
  return notes;
}

/** How many processes the plan's namespaces hold. */
async function processesIn(plan: NetworkPlan): Promise<number> {
  let processes = 0;
  for (const ns of namespacesOf(plan)) {
    const pids = await run('ip', ['netns', 'pids', ns]);
    if (pids.code === 0) processes += pids.stdout.split('\n').filter((l) => l.trim()).length;
  }
  return processes;
}

/** A simulation whose namespaces hold processes: it is running, whoever started it. */
export interface LiveSimulation {
  /** Its data directory (`sim down --data-dir` stops it). */
  owner: string;
  prefix: string;
  /** Processes in its namespaces. */
  processes: number;
}

/**
 * The simulations running on this machine, from the registry: those whose namespaces hold
 * processes (whether or not the `sim up` that made them still runs). Two on one machine share
 * its cores and distort each other's figures, and deleting one's data directory under it leaves
 * processes that only a kill by PID stops.
 */
export async function liveSimulations(registry = REGISTRY): Promise<LiveSimulation[]> {
  const live: LiveSimulation[] = [];
  for (const note of registryNotes(registry)) {
    const processes = await processesIn(note.plan);
    if (processes > 0) {
      live.push({ owner: note.owner ?? '(unknown)', prefix: note.plan.prefix, processes });
    }
  }
  return live;
}

/**
 * Removes namespaces left by runs that crashed: a registry note whose creating process is gone
 * and whose namespaces hold no process any more.
 */
export async function sweepStaleNetworks(): Promise<string[]> {
  const removed: string[] = [];
  for (const note of registryNotes(REGISTRY)) {
    if (isAlive(note.pid) || (await processesIn(note.plan)) > 0) continue;
    await destroyNetwork(note.plan);
    removed.push(note.plan.prefix);
  }
  return removed;
}

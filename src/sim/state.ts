import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const ProcessRecord = z.object({ pid: z.number().int(), name: z.string() });

/** A NATS server of the simulation, with everything needed to start it again on the same ports. */
const NatsRecord = ProcessRecord.extend({
  spec: z.record(z.string(), z.unknown()),
  dir: z.string(),
  url: z.string(),
  /** Command prefix that runs it in its cloud's namespace, and the address it is reached at. */
  exec: z.array(z.string()).optional(),
  reachHost: z.string().optional(),
});
const HostRecord = ProcessRecord.extend({ hostId: z.string() });
/** The cloud's HTTP ingress: a host running the http-server provider, reached at `url`. */
const IngressRecord = HostRecord.extend({ url: z.string(), listen: z.string() });
/** The latency proxy in front of the cloud's gateway listeners (supercluster topology). */
const ProxyRecord = ProcessRecord.extend({
  listeners: z.array(z.object({ listen: z.string(), target: z.string() })),
});

const CloudNetworkSchema = z.object({
  ns: z.string(),
  wanIp: z.string(),
  accessIp: z.string(),
  hostIp: z.string(),
  wanVeth: z.string(),
  bridgePort: z.string(),
  hostVeth: z.string(),
  accessVeth: z.string(),
});
const CutSchema = z.object({ from: z.string(), to: z.string() });

/**
 * How the clouds are wired: in network namespaces (partitions possible), or all on this machine's
 * loopback (then `reason` says why namespaces were not used).
 */
export const NetworkState = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('loopback'), reason: z.string() }),
  z.object({
    mode: z.literal('netns'),
    plan: z.object({
      prefix: z.string(),
      bridgeNs: z.string(),
      clouds: z.record(z.string(), CloudNetworkSchema),
    }),
    /** Whether nftables works in the namespaces (per-pair cuts), and why not. */
    nft: z.boolean(),
    nftReason: z.string().optional(),
    /** Clouds whose WAN link is down. */
    isolated: z.array(z.string()),
    /** Directed cuts between clouds (nftables drop rules). */
    cuts: z.array(CutSchema),
  }),
]);
export type NetworkState = z.infer<typeof NetworkState>;

export const CloudState = z.object({
  region: z.string(),
  /** What the last fault did to this cloud. */
  condition: z.enum(['up', 'killed', 'hung', 'partitioned']),
  nats: z.array(NatsRecord),
  hosts: z.array(HostRecord),
  /** Other processes of the cloud (reconciler…). */
  others: z.array(ProcessRecord),
  ingress: IngressRecord.optional(),
  proxy: ProxyRecord.optional(),
  /** Delay added to messages entering the cloud over gateways (`aloft sim latency`). */
  latencyMs: z.number().int().nonnegative().default(0),
});
export type CloudState = z.infer<typeof CloudState>;

export const SimState = z.object({
  startedAt: z.string(),
  lattice: z.string(),
  topology: z.enum(['cluster', 'supercluster']),
  hostsPerCloud: z.number().int(),
  dataDir: z.string(),
  network: NetworkState.default({ mode: 'loopback', reason: 'started without namespaces' }),
  /** The `sim up` process, which shows the live view. */
  supervisorPid: z.number().int().optional(),
  /** NATS accounts (`sim up --auth`): where the keys are, and each role's credentials file. */
  auth: z
    .object({
      dir: z.string(),
      creds: z.record(z.string(), z.string()),
      /** The browser-tab issuer file (`keys/<lattice>.issuer-browser.json`): /join signs tabs with it. */
      browserIssuer: z.string().optional(),
    })
    .optional(),
  clouds: z.record(z.string(), CloudState),
});
export type SimState = z.infer<typeof SimState>;

export const simDir = (dataDir: string): string => join(dataDir, 'sim');
const file = (dataDir: string): string => join(simDir(dataDir), 'sim.json');

export function readSimState(dataDir: string): SimState | undefined {
  if (!existsSync(file(dataDir))) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file(dataDir), 'utf8'));
  } catch {
    return undefined; // removed meanwhile, or not a state file
  }
  const parsed = SimState.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Writes the state atomically (a temporary file renamed over the old one): the live view and the
 * load read it every second while fault commands from other terminals rewrite it.
 */
export function writeSimState(state: SimState): void {
  mkdirSync(simDir(state.dataDir), { recursive: true });
  const tmp = `${file(state.dataDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, file(state.dataDir));
}

/** Every PID of a cloud (NATS first, then hosts, then the rest). */
export function cloudPids(cloud: CloudState): number[] {
  return [
    ...cloud.nats,
    ...cloud.hosts,
    ...(cloud.ingress ? [cloud.ingress] : []),
    ...cloud.others,
    ...(cloud.proxy ? [cloud.proxy] : []),
  ]
    .map((p) => p.pid)
    .filter((pid) => pid > 0); // 0 would signal our own process group
}

/** The cloud's network namespace, when the simulation runs in namespaces. */
export function cloudNetwork(state: SimState, cloud: string) {
  return state.network.mode === 'netns' ? state.network.plan.clouds[cloud] : undefined;
}

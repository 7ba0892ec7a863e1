import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const ProcessRecord = z.object({ pid: z.number().int(), name: z.string() });

/** A NATS server of the simulation, with everything needed to start it again on the same ports. */
const NatsRecord = ProcessRecord.extend({
  spec: z.record(z.string(), z.unknown()),
  dir: z.string(),
  url: z.string(),
});
const HostRecord = ProcessRecord.extend({ hostId: z.string() });

export const CloudState = z.object({
  region: z.string(),
  /** What the last fault did to this cloud. */
  condition: z.enum(['up', 'killed', 'hung', 'partitioned']),
  nats: z.array(NatsRecord),
  hosts: z.array(HostRecord),
  /** Other processes of the cloud (reconciler, ingress…). */
  others: z.array(ProcessRecord),
});
export type CloudState = z.infer<typeof CloudState>;

export const SimState = z.object({
  startedAt: z.string(),
  lattice: z.string(),
  topology: z.enum(['cluster', 'supercluster']),
  hostsPerCloud: z.number().int(),
  dataDir: z.string(),
  /** The `sim up` process, which shows the live view. */
  supervisorPid: z.number().int().optional(),
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
  return [...cloud.nats, ...cloud.hosts, ...cloud.others].map((p) => p.pid);
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** NATS accounts (`sim up --auth`): where the keys are, and each role's credentials file. */
  auth: z.object({ dir: z.string(), creds: z.record(z.string(), z.string()) }).optional(),
  clouds: z.record(z.string(), CloudState),
});
export type SimState = z.infer<typeof SimState>;

export const simDir = (dataDir: string): string => join(dataDir, 'sim');
const file = (dataDir: string): string => join(simDir(dataDir), 'sim.json');

export function readSimState(dataDir: string): SimState | undefined {
  if (!existsSync(file(dataDir))) return undefined;
  const parsed = SimState.safeParse(JSON.parse(readFileSync(file(dataDir), 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

export function writeSimState(state: SimState): void {
  mkdirSync(simDir(state.dataDir), { recursive: true });
  writeFileSync(file(state.dataDir), JSON.stringify(state, null, 2) + '\n');
}

/** Every PID of a cloud (NATS first, then hosts, then the rest). */
export function cloudPids(cloud: CloudState): number[] {
  return [...cloud.nats, ...cloud.hosts, ...cloud.others].map((p) => p.pid);
}

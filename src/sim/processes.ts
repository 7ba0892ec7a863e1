/** Starting the simulation's processes, each in its cloud's network namespace when there is one. */
import { join } from 'node:path';
import { spawnAloft } from '../host/index.ts';
import { startNatsServer, type ServerSpec } from '../nats/index.ts';
import { AloftError } from '../support/index.ts';
import { simIssuer } from './keys.ts';
import { cloudNetwork, simDir, type CloudState, type SimState } from './state.ts';

/** The command prefix that runs a process inside the cloud's namespace (none on loopback). */
export function execIn(state: SimState, cloud: string): string[] {
  const net = cloudNetwork(state, cloud);
  return net ? ['ip', 'netns', 'exec', net.ns] : [];
}

function cloudOrThrow(state: SimState, cloud: string): CloudState {
  const c = state.clouds[cloud];
  if (!c) throw new AloftError('NOT_FOUND', `no cloud ${cloud}`);
  return c;
}

const logs = (state: SimState): string => join(simDir(state.dataDir), 'logs');
const natsUrls = (c: CloudState): string => c.nats.map((n) => n.url).join(',');

/** Starts the cloud's reconciler (one per cloud; the one a majority of them grants acts). */
export async function startReconcilerProcess(
  state: SimState,
  cloud: string,
): Promise<{ name: string; pid: number }> {
  const c = cloudOrThrow(state, cloud);
  const name = `reconciler-${cloud}`;
  const peers = Object.keys(state.clouds)
    .map((k) => `reconciler-${k}`)
    .join(',');
  const { pid } = await spawnAloft(
    name,
    [
      'reconciler',
      '--nats-url',
      natsUrls(c),
      '--lattice',
      state.lattice,
      '--id',
      name,
      '--peers',
      peers,
      ...credsArgs(state, 'reconciler'),
      // Each process its own free port: a shared ALOFT_METRICS_PORT would collide.
      '--metrics-port',
      '0',
    ],
    logs(state),
    30_000,
    execIn(state, cloud),
  );
  return { name, pid };
}

/**
 * Starts one host of `cloud` as a detached process, connected to its cloud's NATS. Workers are
 * labelled `role=worker` (the sample application runs there); the ingress `role=ingress`.
 */
export async function startHostProcess(
  state: SimState,
  cloud: string,
  name: string,
  role: 'worker' | 'ingress' = 'worker',
): Promise<{ name: string; pid: number; hostId: string }> {
  const c = cloudOrThrow(state, cloud);
  const { pid, announcement } = await spawnAloft(
    `host-${name}`,
    [
      'host',
      '--nats-url',
      natsUrls(c),
      '--lattice',
      state.lattice,
      '--name',
      name,
      '--label',
      `cloud=${cloud}`,
      '--label',
      `region=${c.region}`,
      '--label',
      `role=${role}`,
      '--data-dir',
      join(simDir(state.dataDir), 'hosts', name),
      // Signed components only, as in production: the simulation signs its sample with this issuer.
      '--trusted-issuers',
      simIssuer(state.dataDir).publicKey,
      ...credsArgs(state, 'host'),
      '--metrics-port',
      '0',
    ],
    logs(state),
    30_000,
    execIn(state, cloud),
  );
  const hostId = (JSON.parse(announcement) as { hostId?: string }).hostId ?? '';
  return { name, pid, hostId };
}

/** Starts the cloud's latency proxy (`aloft sim proxy`), which reads its listeners from the state. */
export async function startProxyProcess(
  state: SimState,
  cloud: string,
): Promise<{ name: string; pid: number }> {
  const name = `proxy-${cloud}`;
  const { pid } = await spawnAloft(
    name,
    ['sim', 'proxy', cloud, '--data-dir', state.dataDir],
    logs(state),
    30_000,
    execIn(state, cloud),
  );
  return { name, pid };
}

/** Starts a recorded NATS server again, on its old ports and in its namespace. */
export async function restartNats(n: CloudState['nats'][number]): Promise<number> {
  const server = await startNatsServer(n.spec as unknown as ServerSpec, {
    dir: n.dir,
    detached: true,
    ...(n.exec ? { exec: n.exec } : {}),
    ...(n.reachHost ? { reachHost: n.reachHost } : {}),
  });
  return server.pid;
}

/** `--creds <file>` of a role when the simulation runs with NATS accounts (`sim up --auth`). */
function credsArgs(state: SimState, role: string): string[] {
  const file = state.auth?.creds[role];
  return file ? ['--creds', file] : [];
}

import type { NatsConnection } from '@nats-io/nats-core';
import {
  assertLatticeName,
  connectLattice,
  decodeJson,
  encodeJson,
  requestJson,
  schemas,
  subjectsFor,
  type HostSummary,
} from '../lattice/index.ts';
import { AloftError } from '../support/index.ts';
import type { CliIO } from './command.ts';
import { dataDir, readUpState } from './local-state.ts';
import { parseNatsUrls } from './nats-url.ts';
import { natsAuth, natsAuthOptions } from './nats-auth.ts';

/** Options every lattice command accepts. */
export const latticeOptions = {
  'nats-url': { type: 'string' },
  lattice: { type: 'string' },
  'data-dir': { type: 'string' },
  'timeout-ms': { type: 'string' },
  ...natsAuthOptions,
} as const;

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * Connects to the lattice named by `--nats-url`/`NATS_URL`, else the one `aloft up` started, runs
 * `fn`, and closes the connection.
 */
export async function withLattice<T>(
  values: Values,
  io: CliIO,
  fn: (ctx: { nc: NatsConnection; lattice: string; timeoutMs: number }) => Promise<T>,
): Promise<T> {
  const flag = (values['nats-url'] as string | undefined) ?? io.env.NATS_URL;
  const up = readUpState(dataDir(values['data-dir'] as string | undefined, io.env, io.cwd));
  const servers = flag ? parseNatsUrls(flag) : up?.natsUrl.split(',');
  if (!servers) {
    throw new AloftError('NATS_UNREACHABLE', 'no lattice to talk to', {
      hint: 'start one with "aloft up", or pass --nats-url / set NATS_URL',
    });
  }
  const lattice = assertLatticeName(
    (values.lattice as string | undefined) ?? io.env.ALOFT_LATTICE ?? up?.lattice ?? 'default',
  );
  const timeoutMs = Number(values['timeout-ms'] ?? 5000);
  const auth = natsAuth(values, io.env, io.cwd, {
    role: 'admin',
    lattice,
    up: flag ? undefined : up,
  });
  const nc = await connectLattice({ servers, connectTimeoutMs: 3000, name: 'aloft-cli', ...auth });
  try {
    return await fn({ nc, lattice, timeoutMs });
  } finally {
    await nc.close();
  }
}

/** Pings every host (scatter-gather) and returns their summaries, sorted by name. */
export async function pingHosts(
  nc: NatsConnection,
  lattice: string,
  waitMs = 500,
): Promise<HostSummary[]> {
  const replies = await nc.requestMany(subjectsFor(lattice).control('host.ping'), encodeJson({}), {
    maxWait: waitMs,
  });
  const hosts: HostSummary[] = [];
  for await (const m of replies) {
    try {
      hosts.push(decodeJson(m.data, schemas.HostSummary, 'host.ping reply'));
    } catch {
      // a reply we do not understand (another version): leave it out
    }
  }
  return hosts.sort((a, b) => a.name.localeCompare(b.name));
}

/** Finds one host by id, id prefix or friendly name. */
export async function resolveHost(
  nc: NatsConnection,
  lattice: string,
  ref: string,
): Promise<HostSummary> {
  const hosts = await pingHosts(nc, lattice);
  const matches = hosts.filter(
    (h) => h.hostId === ref || h.name === ref || h.hostId.startsWith(ref),
  );
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length === 0) {
    throw new AloftError('NOT_FOUND', `no host ${JSON.stringify(ref)} in lattice ${lattice}`, {
      hint: 'list them with "aloft get hosts"',
    });
  }
  throw new AloftError('USAGE', `${JSON.stringify(ref)} matches ${matches.length} hosts`, {
    hint: 'give more of the host id',
  });
}

/** Sends a control request and returns the validated acknowledgement. */
export function control(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  timeoutMs: number,
): Promise<schemas.Ack> {
  return requestJson(nc, subject, body, schemas.Ack, { timeoutMs });
}

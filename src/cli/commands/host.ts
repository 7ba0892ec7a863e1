import { resolve } from 'node:path';
import { assertLatticeName } from '../../lattice/index.ts';
import { hostLabels } from '../../host/index.ts';
import { parseHealthPort } from '../../telemetry/index.ts';
import { runHost } from '../../host/index.ts';
import type { Command } from '../command.ts';
import { dataDir, readUpState } from '../local-state.ts';
import { parseNatsUrls } from '../nats-url.ts';
import { hostSecurityFlags } from '../security-flags.ts';
import { natsAuth, natsAuthOptions } from '../nats-auth.ts';
import {
  METRICS_USAGE,
  metricsAddress,
  metricsOptions,
  TRACING_USAGE,
  tracingFromCli,
  tracingOptions,
} from '../telemetry-options.ts';

export const command: Command = {
  summary: 'Run a host: join a lattice and run components placed on it',
  usage: `aloft host [--lattice NAME] [--nats-url URL[,URL…]] [--label k=v …] [--name NAME] [--heartbeat-ms N] [--grace-ms N] [--creds FILE] [--tls-ca FILE --tls-cert FILE --tls-key FILE] [--js-domain NAME] [--health-port N] ${METRICS_USAGE} ${TRACING_USAGE} [--trusted-issuers A…,A…] [--secrets-key FILE] [--ignore-lattice-policy] [--allow-unsigned]`,
  options: {
    lattice: { type: 'string' },
    'nats-url': { type: 'string' },
    label: { type: 'string', multiple: true },
    name: { type: 'string' },
    'heartbeat-ms': { type: 'string' },
    'grace-ms': { type: 'string' },
    'data-dir': { type: 'string' },
    ...natsAuthOptions,
    locality: { type: 'string' },
    'trusted-issuers': { type: 'string' },
    'secrets-key': { type: 'string' },
    'ignore-lattice-policy': { type: 'boolean' },
    'allow-unsigned': { type: 'boolean' },
    'health-port': { type: 'string' },
    ...metricsOptions,
    ...tracingOptions,
  },
  async run({ values, io }) {
    const dir = dataDir(values['data-dir'] as string | undefined, io.env, io.cwd);
    const up = readUpState(dir);
    const urlFlag =
      (values['nats-url'] as string | undefined) ??
      io.env.NATS_URL ??
      up?.natsUrl ??
      'nats://127.0.0.1:4222';
    const lattice = assertLatticeName(
      (values.lattice as string | undefined) ?? io.env.ALOFT_LATTICE ?? up?.lattice ?? 'default',
    );
    const auth = natsAuth(values, io.env, io.cwd, {
      role: 'host',
      lattice,
      up: values['nats-url'] || io.env.NATS_URL ? undefined : up,
    });
    const healthPort =
      values['health-port'] === undefined
        ? undefined
        : parseHealthPort(values['health-port'] as string);
    return runHost(
      {
        lattice,
        servers: parseNatsUrls(urlFlag),
        labels: hostLabels((values.label as string[] | undefined) ?? [], io.env),
        ...(values.name ? { name: values.name as string } : {}),
        heartbeatMs: Number(values['heartbeat-ms'] ?? 1000),
        cacheDir: resolve(dir, 'cache'),
        cwd: io.cwd,
        ...auth,
        ...(values.locality ? { localityKeys: (values.locality as string).split(',') } : {}),
        security: hostSecurityFlags(values, io.env),
        tracing: tracingFromCli(values, io.env),
      },
      Number(values['grace-ms'] ?? 10_000),
      healthPort,
      metricsAddress(values, io.env),
    );
  },
};

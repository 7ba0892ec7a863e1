import { assertLatticeName } from '../../lattice/index.ts';
import { runReconciler } from '../../reconciler/index.ts';
import { parseHealthPort } from '../../telemetry/index.ts';
import type { Command } from '../command.ts';
import { dataDir, readUpState } from '../local-state.ts';
import { parseNatsUrls } from '../nats-url.ts';
import { natsAuth, natsAuthOptions } from '../nats-auth.ts';
import { METRICS_USAGE, metricsAddress, metricsOptions } from '../telemetry-options.ts';

export const command: Command = {
  summary: 'Run a reconciler (one per --peers entry; the one a majority of them grants acts)',
  usage:
    `aloft reconciler [--lattice NAME] [--nats-url URL] [--id ID] [--peers ID,ID,…] [--creds FILE] [--tls-ca FILE --tls-cert FILE --tls-key FILE] [--js-domain NAME] [--health-port N] ${METRICS_USAGE}\n` +
    '  --peers  every reconciler of the lattice, this one included, the same list on each;\n' +
    '           without it this reconciler is the only one (run no other)',
  options: {
    lattice: { type: 'string' },
    'nats-url': { type: 'string' },
    id: { type: 'string' },
    peers: { type: 'string' },
    'health-port': { type: 'string' },
    'data-dir': { type: 'string' },
    ...natsAuthOptions,
    ...metricsOptions,
  },
  run({ values, io }) {
    const up = readUpState(dataDir(values['data-dir'] as string | undefined, io.env, io.cwd));
    const url =
      (values['nats-url'] as string | undefined) ??
      io.env.NATS_URL ??
      up?.natsUrl ??
      'nats://127.0.0.1:4222';
    const lattice = assertLatticeName(
      (values.lattice as string | undefined) ?? io.env.ALOFT_LATTICE ?? up?.lattice ?? 'default',
    );
    const external = values['nats-url'] !== undefined || io.env.NATS_URL !== undefined;
    return runReconciler({
      servers: parseNatsUrls(url),
      lattice,
      ...(values.id ? { id: values.id as string } : {}),
      ...(values.peers ? { peers: (values.peers as string).split(',') } : {}),
      ...natsAuth(values, io.env, io.cwd, {
        role: 'reconciler',
        lattice,
        up: external ? undefined : up,
      }),
      ...(values['health-port'] !== undefined
        ? { healthPort: parseHealthPort(values['health-port'] as string) }
        : {}),
      ...metricsAddress(values, io.env),
    });
  },
};

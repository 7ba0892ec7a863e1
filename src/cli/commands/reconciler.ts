import { assertLatticeName } from '../../lattice/index.ts';
import { runReconciler } from '../../reconciler/index.ts';
import { parseHealthPort } from '../../telemetry/index.ts';
import type { Command } from '../command.ts';
import { dataDir, readUpState } from '../local-state.ts';
import { parseNatsUrls } from '../nats-url.ts';
import { natsAuth, natsAuthOptions } from '../nats-auth.ts';
import { METRICS_USAGE, metricsAddress, metricsOptions } from '../telemetry-options.ts';

export const command: Command = {
  summary: 'Run a reconciler (any number may run; one acts, by lease)',
  usage: `aloft reconciler [--lattice NAME] [--nats-url URL] [--id ID] [--creds FILE] [--tls-ca FILE --tls-cert FILE --tls-key FILE] [--js-domain NAME] [--health-port N] ${METRICS_USAGE}`,
  options: {
    lattice: { type: 'string' },
    'nats-url': { type: 'string' },
    id: { type: 'string' },
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

import { assertLatticeName } from '../../lattice/index.ts';
import { runReconciler } from '../../reconciler/index.ts';
import type { Command } from '../command.ts';
import { dataDir, readUpState } from '../local-state.ts';
import { parseNatsUrls } from '../nats-url.ts';
import { METRICS_USAGE, metricsAddress, metricsOptions } from '../telemetry-options.ts';

export const command: Command = {
  summary: 'Run a reconciler (any number may run; one acts, by lease)',
  usage: `aloft reconciler [--lattice NAME] [--nats-url URL] [--id ID] ${METRICS_USAGE}`,
  options: {
    lattice: { type: 'string' },
    'nats-url': { type: 'string' },
    id: { type: 'string' },
    'data-dir': { type: 'string' },
    ...metricsOptions,
  },
  run({ values, io }) {
    const up = readUpState(dataDir(values['data-dir'] as string | undefined, io.env, io.cwd));
    const url =
      (values['nats-url'] as string | undefined) ??
      io.env.NATS_URL ??
      up?.natsUrl ??
      'nats://127.0.0.1:4222';
    return runReconciler({
      servers: parseNatsUrls(url),
      lattice: assertLatticeName(
        (values.lattice as string | undefined) ?? io.env.ALOFT_LATTICE ?? up?.lattice ?? 'default',
      ),
      ...(values.id ? { id: values.id as string } : {}),
      ...metricsAddress(values, io.env),
    });
  },
};

import { existsSync, readFileSync } from 'node:fs';
import { assertLatticeName } from '../../lattice/index.ts';
import { runReconciler } from '../../reconciler/index.ts';
import { AloftError } from '../../support/index.ts';
import { parseHealthPort } from '../../telemetry/index.ts';
import type { Command } from '../command.ts';
import { dataDir, readUpState } from '../local-state.ts';
import { parseNatsUrls } from '../nats-url.ts';
import { METRICS_USAGE, metricsAddress, metricsOptions } from '../telemetry-options.ts';

export const command: Command = {
  summary: 'Run a reconciler (any number may run; one acts, by lease)',
  usage: `aloft reconciler [--lattice NAME] [--nats-url URL] [--id ID] [--creds FILE] [--tls-ca FILE --tls-cert FILE --tls-key FILE] [--health-port N] ${METRICS_USAGE}`,
  options: {
    lattice: { type: 'string' },
    'nats-url': { type: 'string' },
    id: { type: 'string' },
    creds: { type: 'string' },
    'tls-ca': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'health-port': { type: 'string' },
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
    const creds = values.creds as string | undefined;
    if (creds && !existsSync(creds)) {
      throw new AloftError('NOT_FOUND', `--creds: no file ${creds}`);
    }
    const tls = {
      ...(values['tls-ca'] ? { caFile: values['tls-ca'] as string } : {}),
      ...(values['tls-cert'] ? { certFile: values['tls-cert'] as string } : {}),
      ...(values['tls-key'] ? { keyFile: values['tls-key'] as string } : {}),
    };
    return runReconciler({
      servers: parseNatsUrls(url),
      lattice: assertLatticeName(
        (values.lattice as string | undefined) ?? io.env.ALOFT_LATTICE ?? up?.lattice ?? 'default',
      ),
      ...(values.id ? { id: values.id as string } : {}),
      ...(creds ? { credentials: readFileSync(creds, 'utf8') } : {}),
      ...(Object.keys(tls).length ? { tls } : {}),
      ...(values['health-port'] !== undefined
        ? { healthPort: parseHealthPort(values['health-port'] as string) }
        : {}),
      ...metricsAddress(values, io.env),
    });
  },
};

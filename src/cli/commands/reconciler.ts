import { assertLatticeName } from '../../lattice/index.ts';
import { runReconciler } from '../../reconciler/index.ts';
import type { Command } from '../command.ts';
import { dataDir, readUpState } from '../local-state.ts';
import { parseNatsUrls } from '../nats-url.ts';

export const command: Command = {
  summary: 'Run a reconciler (one per --peers entry; the one a majority of them grants acts)',
  usage:
    'aloft reconciler [--lattice NAME] [--nats-url URL] [--id ID] [--peers ID,ID,…]\n' +
    '  --peers  every reconciler of the lattice, this one included, the same list on each;\n' +
    '           without it this reconciler is the only one (run no other)',
  options: {
    lattice: { type: 'string' },
    'nats-url': { type: 'string' },
    id: { type: 'string' },
    peers: { type: 'string' },
    'data-dir': { type: 'string' },
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
      ...(values.peers ? { peers: (values.peers as string).split(',') } : {}),
    });
  },
};

import { openSecurityState } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: 'Delete a named secret from the lattice',
  usage: 'aloft secret del <name>',
  options: { ...latticeOptions },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      const name = positionals[0];
      if (!name) throw new AloftError('USAGE', 'give the secret name');
      const state = await openSecurityState(nc, lattice);
      try {
        await state.ready();
        if (!(await state.deleteSecret(name)))
          throw new AloftError('NOT_FOUND', `no secret ${name} in lattice ${lattice}`);
        io.out(`deleted secret ${name}`);
        return 0;
      } finally {
        await state.stop();
      }
    }),
};

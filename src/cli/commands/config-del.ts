import { subjectsFor } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { control, latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: 'Delete named config',
  usage: 'aloft config del <name>',
  options: { ...latticeOptions },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
      const [name] = positionals;
      if (!name) throw new AloftError('USAGE', 'give the config name');
      await control(nc, subjectsFor(lattice).control('config.del'), { name }, timeoutMs);
      io.out(`deleted config ${name}`);
      return 0;
    }),
};

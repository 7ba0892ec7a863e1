import { parseLabel } from '../../host/index.ts';
import { subjectsFor } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { control, latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: 'Store named config in the lattice (a component reads the config of its own name)',
  usage: 'aloft config put <name> key=value [key=value …]',
  options: { ...latticeOptions },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
      const [name, ...pairs] = positionals;
      if (!name || pairs.length === 0)
        throw new AloftError('USAGE', 'give a config name and at least one key=value');
      await control(
        nc,
        subjectsFor(lattice).control('config.put'),
        { name, values: Object.fromEntries(pairs.map(parseLabel)) },
        timeoutMs,
      );
      io.out(`stored config ${name}`);
      return 0;
    }),
};

import { subjectsFor } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { control, latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: 'Remove a link',
  usage: 'aloft link del <component> --interface NAME [--name LINK]',
  options: { ...latticeOptions, interface: { type: 'string' }, name: { type: 'string' } },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
      const [source] = positionals;
      const iface = values.interface as string | undefined;
      if (!source || !iface) throw new AloftError('USAGE', 'give a component and --interface');
      const name = (values.name as string | undefined) ?? 'default';
      await control(
        nc,
        subjectsFor(lattice).control('link.del'),
        { source, interface: iface, name },
        timeoutMs,
      );
      io.out(`removed link "${name}" of ${source} (${iface})`);
      return 0;
    }),
};

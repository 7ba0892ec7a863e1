import { subjectsFor } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { control, latticeOptions, withLattice } from '../lattice-client.ts';
import { parseLabel } from '../../host/index.ts';

export const command: Command = {
  summary: "Bind a component's capability import to a provider",
  usage: 'aloft link put <component> <provider> --interface NAME [--name LINK] [--config k=v …]',
  options: {
    ...latticeOptions,
    interface: { type: 'string' },
    name: { type: 'string' },
    config: { type: 'string', multiple: true },
  },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
      const [source, target] = positionals;
      const iface = values.interface as string | undefined;
      if (!source || !target || !iface)
        throw new AloftError('USAGE', 'give a component, a provider and --interface');
      const config = Object.fromEntries(
        ((values.config as string[] | undefined) ?? []).map(parseLabel),
      );
      const name = (values.name as string | undefined) ?? 'default';
      await control(
        nc,
        subjectsFor(lattice).control('link.put'),
        { source, target, interface: iface, name, config },
        timeoutMs,
      );
      io.out(`linked ${source} → ${target} (${iface}, link "${name}")`);
      return 0;
    }),
};

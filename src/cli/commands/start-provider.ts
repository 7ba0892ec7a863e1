import { parseLabel } from '../../host/index.ts';
import { subjectsFor } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { control, latticeOptions, pingHosts, resolveHost, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: 'Start a built-in capability provider on a host (the least loaded one unless --host)',
  usage:
    'aloft start provider <kind> [name] [--host HOST] [--config k=v …]   (e.g. keyvalue-nats kv)',
  options: {
    ...latticeOptions,
    host: { type: 'string' },
    config: { type: 'string', multiple: true },
  },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
      const [kind, nameArg] = positionals;
      if (!kind) throw new AloftError('USAGE', 'give the provider kind (e.g. keyvalue-nats)');
      const name = nameArg ?? kind;
      const host = values.host
        ? await resolveHost(nc, lattice, values.host as string)
        : (await pingHosts(nc, lattice))
            .filter((h) => !h.cordoned)
            .sort((a, b) => a.providers - b.providers)[0];
      if (!host)
        throw new AloftError('NOT_FOUND', `no host available in lattice ${lattice}`, {
          hint: 'start one with "aloft host"',
        });
      const config = Object.fromEntries(
        ((values.config as string[] | undefined) ?? []).map(parseLabel),
      );
      await control(
        nc,
        subjectsFor(lattice).control('provider.start', host.hostId),
        { name, kind, config },
        timeoutMs,
      );
      io.out(
        `starting provider ${name} (${kind}) on ${host.name}; follow with: aloft events --type provider_started,provider_start_failed`,
      );
      return 0;
    }),
};

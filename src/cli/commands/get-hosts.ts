import type { Command } from '../command.ts';
import { latticeOptions, pingHosts, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: 'List the hosts of the lattice',
  usage: 'aloft get hosts [--json] [--nats-url URL] [--lattice NAME]',
  options: { ...latticeOptions, json: { type: 'boolean' } },
  run: ({ values, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      const hosts = await pingHosts(nc, lattice);
      if (values.json) {
        io.out(JSON.stringify(hosts, null, 2));
        return 0;
      }
      if (hosts.length === 0) {
        io.out(`no hosts in lattice ${lattice}`);
        return 0;
      }
      io.out(['NAME'.padEnd(24), 'ID'.padEnd(14), 'INSTANCES', 'STATE    ', 'LABELS'].join(' '));
      for (const h of hosts) {
        const labels = Object.entries(h.labels)
          .filter(([k]) => k !== 'hostname')
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        const state = h.cordoned ? 'cordoned ' : 'ready    ';
        io.out(
          [
            h.name.padEnd(24),
            h.hostId.slice(0, 12).padEnd(14),
            String(h.components).padEnd(9),
            state,
            labels,
          ].join(' '),
        );
      }
      return 0;
    }),
};

import { requestJson, subjectsFor } from '../../lattice/index.ts';
import { z } from 'zod';
import type { Command } from '../command.ts';
import { latticeOptions, pingHosts, resolveHost, withLattice } from '../lattice-client.ts';

const Inventory = z
  .object({
    hostId: z.string(),
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    cordoned: z.boolean(),
    state: z.string(),
    components: z.array(
      z.object({
        name: z.string(),
        ref: z.string(),
        sha256: z.string(),
        count: z.number(),
        inFlight: z.number(),
      }),
    ),
  })
  .loose();

export const command: Command = {
  summary: "Show a host's full inventory (or every host's)",
  usage: 'aloft get inventory [HOST] [--json]',
  options: { ...latticeOptions, json: { type: 'boolean' } },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
      const hosts = positionals[0]
        ? [await resolveHost(nc, lattice, positionals[0])]
        : await pingHosts(nc, lattice);
      const all = await Promise.all(
        hosts.map((h) =>
          requestJson(nc, subjectsFor(lattice).control('host.inventory', h.hostId), {}, Inventory, {
            timeoutMs,
          }),
        ),
      );
      if (values.json) {
        io.out(JSON.stringify(all, null, 2));
        return 0;
      }
      for (const inv of all) {
        io.out(
          `${inv.name} (${inv.hostId.slice(0, 12)}) ${inv.state}${inv.cordoned ? ', cordoned' : ''}`,
        );
        if (inv.components.length === 0) io.out('  no components');
        for (const c of inv.components) {
          io.out(
            `  ${c.name.padEnd(20)} ×${String(c.count).padEnd(4)} ${c.sha256.slice(0, 12)}  ${c.ref}`,
          );
        }
      }
      return 0;
    }),
};

import { openSecurityState } from '../../lattice/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: "List the lattice's secrets: names and when they were stored, never values",
  usage: 'aloft secret list [--json]',
  options: { ...latticeOptions, json: { type: 'boolean' } },
  run: ({ values, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      const state = await openSecurityState(nc, lattice);
      try {
        await state.ready();
        const rows = state.secretNames().flatMap((n) => {
          const s = state.secret(n);
          return s ? [{ name: n, createdAt: s.createdAt, recipient: s.recipient }] : [];
        });
        if (values.json) io.out(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) io.out(`no secrets in lattice ${lattice}`);
        else
          for (const r of rows)
            io.out(`${r.name.padEnd(24)} ${r.createdAt}  sealed for ${r.recipient.slice(0, 12)}…`);
        return 0;
      } finally {
        await state.stop();
      }
    }),
};

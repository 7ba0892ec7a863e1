import { readFileSync } from 'node:fs';
import { createCaller, watchHosts } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: "Call a component's operation wherever it runs and print the result",
  usage:
    'aloft call <component> <operation> [--data TEXT | --file PATH] [--idempotent] [--timeout-ms N]',
  options: {
    ...latticeOptions,
    data: { type: 'string' },
    file: { type: 'string' },
    idempotent: { type: 'boolean' },
  },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      const [component, operation] = positionals;
      if (!component || !operation)
        throw new AloftError('USAGE', 'give a component and an operation');
      const payload = values.file
        ? new Uint8Array(readFileSync(values.file as string))
        : new TextEncoder().encode((values.data as string | undefined) ?? '');
      const view = await watchHosts(nc, { lattice });
      try {
        const caller = createCaller(nc, { lattice, view });
        const out = await caller.call(component, operation, payload, {
          timeoutMs: Number(values['timeout-ms'] ?? 10_000),
          idempotent: values.idempotent === true,
        });
        process.stdout.write(out);
        if (out.length > 0 && out[out.length - 1] !== 10) process.stdout.write('\n');
        return 0;
      } finally {
        await view.stop();
      }
    }),
};

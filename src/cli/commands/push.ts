import { readFileSync } from 'node:fs';
import { pushOci } from '../../host/index.ts';
import { putArtifact } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary:
    "Upload a component to the lattice's artifact store (or an OCI registry) and print its reference",
  usage: 'aloft push <file.wasm> [--oci registry/repo:tag]',
  options: { ...latticeOptions, oci: { type: 'string' } },
  async run({ values, positionals, io }) {
    const file = positionals[0];
    if (!file) throw new AloftError('USAGE', 'give the .wasm file to upload');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (err) {
      throw new AloftError(
        'NOT_FOUND',
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    if (values.oci) {
      io.out(await pushOci(values.oci as string, bytes));
      return 0;
    }
    return withLattice(values, io, async ({ nc, lattice }) => {
      io.out(await putArtifact(nc, lattice, bytes));
      return 0;
    });
  },
};

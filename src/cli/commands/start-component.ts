import { isAbsolute, resolve } from 'node:path';
import { subjectsFor } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { control, latticeOptions, pingHosts, resolveHost, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: 'Start a component on a host (the least loaded one unless --host is given)',
  usage:
    'aloft start component <ref> <name> [--host HOST] [--count N]   (ref: path, https URL, sha256:…, or OCI)',
  options: { ...latticeOptions, host: { type: 'string' }, count: { type: 'string' } },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
      const [ref, name] = positionals;
      if (!ref || !name) throw new AloftError('USAGE', 'give a component reference and a name');
      const host = values.host
        ? await resolveHost(nc, lattice, values.host as string)
        : (await pingHosts(nc, lattice))
            .filter((h) => !h.cordoned)
            .sort((a, b) => a.components - b.components)[0];
      if (!host)
        throw new AloftError('NOT_FOUND', `no host available in lattice ${lattice}`, {
          hint: 'start one with "aloft host"',
        });
      // A local path is resolved here so that a host started elsewhere finds the same file.
      const looksLocal = !/^(sha256:|https?:\/\/|oci:\/\/)/.test(ref) && !/^[^/]+:\d+\//.test(ref);
      const fullRef = looksLocal && !isAbsolute(ref) ? resolve(io.cwd, ref) : ref;
      await control(
        nc,
        subjectsFor(lattice).control('component.start', host.hostId),
        { name, ref: fullRef, count: Number(values.count ?? 1) },
        timeoutMs,
      );
      io.out(
        `starting ${name} on ${host.name} (${host.hostId.slice(0, 12)}); follow with: aloft events --type component_started,component_start_failed`,
      );
      return 0;
    }),
};

import { subjectsFor, type ControlVerb } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { control, latticeOptions, resolveHost, withLattice } from '../lattice-client.ts';

/**
 * A command that sends one control verb to one host: `aloft <verb> <host> [args]`.
 * `body` builds the request from the remaining positionals and options.
 */
export function hostVerb(spec: {
  verb: ControlVerb;
  summary: string;
  usage: string;
  options?: Command['options'];
  body: (args: string[], values: Record<string, unknown>) => unknown;
  done: string;
}): Command {
  return {
    summary: spec.summary,
    usage: spec.usage,
    options: { ...latticeOptions, ...(spec.options ?? {}) },
    run: ({ values, positionals, io }) =>
      withLattice(values, io, async ({ nc, lattice, timeoutMs }) => {
        const [hostRef, ...rest] = positionals;
        if (!hostRef) throw new AloftError('USAGE', 'give a host (id, id prefix or name)');
        const host = await resolveHost(nc, lattice, hostRef);
        await control(
          nc,
          subjectsFor(lattice).control(spec.verb, host.hostId),
          spec.body(rest, values),
          timeoutMs,
        );
        io.out(`${spec.done} ${host.name} (${host.hostId.slice(0, 12)})`);
        return 0;
      }),
  };
}

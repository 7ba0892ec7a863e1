import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { requestJson, subjectsFor } from '../../lattice/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { control, latticeOptions, pingHosts, resolveHost, withLattice } from '../lattice-client.ts';
import { awaitOutcome } from '../outcome.ts';

export const command: Command = {
  summary: 'Start a component on a host (the least loaded one unless --host is given)',
  usage:
    'aloft start component <ref> <name> [--host HOST] [--count N] [--no-wait] [--wait-ms N]   (ref: path, https URL, sha256:…, or OCI)\n' +
    '  Waits for the host to report the component started (or why it refused it) unless --no-wait.',
  options: {
    ...latticeOptions,
    host: { type: 'string' },
    count: { type: 'string' },
    'no-wait': { type: 'boolean' },
    'wait-ms': { type: 'string' },
  },
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
      const count = Number(values.count ?? 1);
      const inv = await requestJson(
        nc,
        subjectsFor(lattice).control('host.inventory', host.hostId),
        {},
        z.object({
          components: z.array(z.object({ name: z.string(), ref: z.string(), count: z.number() })),
        }),
        { timeoutMs },
      );
      if (inv.components.some((c) => c.name === name && c.ref === fullRef && c.count === count)) {
        io.out(`${name} already runs ${count} instance(s) of ${fullRef} on ${host.name}`);
        return 0;
      }
      const outcome = values['no-wait']
        ? undefined
        : awaitOutcome(nc, lattice, {
            hostId: host.hostId,
            name,
            ok: ['component_started', 'component_scaled'],
            failed: 'component_start_failed',
            timeoutMs: Number(values['wait-ms'] ?? 60_000),
          });
      try {
        await control(
          nc,
          subjectsFor(lattice).control('component.start', host.hostId),
          { name, ref: fullRef, count },
          timeoutMs,
        );
      } catch (err) {
        outcome?.cancel();
        throw err;
      }
      const where = `${host.name} (${host.hostId.slice(0, 12)})`;
      if (!outcome) {
        io.out(
          `starting ${name} on ${where}; follow with: aloft events --type component_started,component_start_failed`,
        );
        return 0;
      }
      const d = await outcome.done.catch((err: unknown) => {
        if (err instanceof AloftError && err.code !== 'TIMEOUT')
          throw new AloftError(err.code, `${where} refused ${name}: ${err.message}`, {
            hint: err.hint,
          });
        throw err;
      });
      const signedBy =
        d.signed === true ? `signed by ${String(d.issuer)}` : 'UNSIGNED (development mode)';
      io.out(
        `started ${name} on ${where}: ${typeof d.count === 'number' ? d.count : '?'} instance(s), ${signedBy}`,
      );
      return 0;
    }),
};

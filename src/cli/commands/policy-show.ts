import { openSecurityState } from '../../lattice/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';

export const command: Command = {
  summary: "Show the lattice's security policy: trusted issuers, development mode, secrets key",
  usage: 'aloft policy show [--json]',
  options: { ...latticeOptions, json: { type: 'boolean' } },
  run: ({ values, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      const state = await openSecurityState(nc, lattice);
      try {
        await state.ready();
        const policy = state.policy();
        if (values.json) {
          io.out(JSON.stringify(policy ?? null, null, 2));
          return 0;
        }
        if (!policy) {
          io.out(`lattice ${lattice} has no policy: hosts trust only their own --trusted-issuers`);
          return 0;
        }
        io.out(`lattice:           ${lattice}`);
        io.out(`trusted issuers:   ${policy.trustedIssuers.join(', ') || '(none)'}`);
        io.out(`unsigned allowed:  ${policy.allowUnsigned ? 'YES (development)' : 'no'}`);
        io.out(
          `secrets sealed for ${policy.secretsRecipient ?? '(no key: "aloft secret put" needs one)'}`,
        );
        if (policy.updatedAt) io.out(`updated:           ${policy.updatedAt}`);
        return 0;
      } finally {
        await state.stop();
      }
    }),
};

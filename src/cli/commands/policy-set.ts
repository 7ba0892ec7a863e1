import { openSecurityState, type LatticePolicy } from '../../lattice/index.ts';
import { assertPublicKey } from '../../security/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';
import { keyList } from '../security-flags.ts';

export const command: Command = {
  summary: "Change the lattice's security policy (what every host trusts in addition to its flags)",
  usage:
    'aloft policy set [--trusted-issuers A…,A…] [--add-issuer A…] [--remove-issuer A…]\n' +
    '                 [--allow-unsigned | --deny-unsigned] [--secrets-recipient X…]',
  options: {
    ...latticeOptions,
    'trusted-issuers': { type: 'string' },
    'add-issuer': { type: 'string', multiple: true },
    'remove-issuer': { type: 'string', multiple: true },
    'allow-unsigned': { type: 'boolean' },
    'deny-unsigned': { type: 'boolean' },
    'secrets-recipient': { type: 'string' },
  },
  run: ({ values, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      if (values['allow-unsigned'] && values['deny-unsigned'])
        throw new AloftError('USAGE', 'give --allow-unsigned or --deny-unsigned, not both');
      const check = (k: string, flag: string): string => assertPublicKey(k, 'account', flag);
      const state = await openSecurityState(nc, lattice);
      try {
        await state.ready();
        const current: LatticePolicy = state.policy() ?? {
          trustedIssuers: [],
          allowUnsigned: false,
        };
        let issuers =
          values['trusted-issuers'] !== undefined
            ? keyList(values['trusted-issuers'] as string).map((k) => check(k, '--trusted-issuers'))
            : [...current.trustedIssuers];
        for (const k of (values['add-issuer'] as string[] | undefined) ?? [])
          issuers.push(check(k, '--add-issuer'));
        const removed = new Set((values['remove-issuer'] as string[] | undefined) ?? []);
        issuers = [...new Set(issuers)].filter((k) => !removed.has(k));
        const recipient = values['secrets-recipient'] as string | undefined;
        const next: LatticePolicy = {
          trustedIssuers: issuers,
          allowUnsigned: values['allow-unsigned']
            ? true
            : values['deny-unsigned']
              ? false
              : current.allowUnsigned,
          ...(recipient
            ? { secretsRecipient: assertPublicKey(recipient, 'curve', '--secrets-recipient') }
            : current.secretsRecipient
              ? { secretsRecipient: current.secretsRecipient }
              : {}),
          updatedAt: new Date().toISOString(),
        };
        await state.putPolicy(next);
        io.out(
          `policy of lattice ${lattice}: ${next.trustedIssuers.length} trusted issuer(s), unsigned ${next.allowUnsigned ? 'ALLOWED (development)' : 'refused'}, secrets sealed for ${next.secretsRecipient ?? '(none)'}`,
        );
        if (next.allowUnsigned)
          io.err(
            'warning: every host that follows the lattice policy now runs unsigned components',
          );
        return 0;
      } finally {
        await state.stop();
      }
    }),
};

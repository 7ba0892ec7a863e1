import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertToken, openSecurityState } from '../../lattice/index.ts';
import { assertPublicKey, sealSecret } from '../../security/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { latticeOptions, withLattice } from '../lattice-client.ts';

/** Reads the value from a file, an environment variable or stdin: never from the command line. */
async function readValue(
  values: Record<string, unknown>,
  io: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<string> {
  if (values['value-file']) {
    const file = resolve(io.cwd, values['value-file'] as string);
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new AloftError(
        'NOT_FOUND',
        `cannot read --value-file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  }
  if (values['from-env']) {
    const name = values['from-env'] as string;
    const v = io.env[name];
    if (v === undefined)
      throw new AloftError('USAGE', `--from-env ${name}: the variable is not set`);
    return v;
  }
  if (process.stdin.isTTY) {
    throw new AloftError(
      'USAGE',
      'give the value with --value-file FILE, --from-env VAR, or on stdin',
      {
        hint: 'values are never taken from the command line, where other users can see them',
      },
    );
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export const command: Command = {
  summary: 'Store a named secret, sealed for the lattice secrets key (the value is never printed)',
  usage:
    'aloft secret put <name> [--value-file FILE | --from-env VAR | < stdin] [--recipient X…]\n' +
    '  Use it from a link or config value "secret:<name>": only what is linked to it receives it.',
  options: {
    ...latticeOptions,
    'value-file': { type: 'string' },
    'from-env': { type: 'string' },
    recipient: { type: 'string' },
  },
  run: ({ values, positionals, io }) =>
    withLattice(values, io, async ({ nc, lattice }) => {
      const name = positionals[0];
      if (!name) throw new AloftError('USAGE', 'give the secret name');
      assertToken(name, 'secret name');
      const value = await readValue(values, io);
      const state = await openSecurityState(nc, lattice);
      try {
        await state.ready();
        const recipient =
          (values.recipient as string | undefined) ?? state.policy()?.secretsRecipient;
        if (!recipient) {
          throw new AloftError(
            'SECRET_NO_KEY',
            `lattice ${lattice} has no secrets key to seal for`,
            {
              hint: 'make one with "aloft keys gen curve --out secrets.xk", give its seed to hosts (--secrets-key) and its public key to "aloft policy set --secrets-recipient X…"',
            },
          );
        }
        await state.putSecret(
          sealSecret(name, value, assertPublicKey(recipient, 'curve', 'the recipient')),
        );
        io.out(
          `stored secret ${name} (${Buffer.byteLength(value)} bytes, sealed for ${recipient})`,
        );
        return 0;
      } finally {
        await state.stop();
      }
    }),
};

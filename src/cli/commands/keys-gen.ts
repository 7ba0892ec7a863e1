import { resolve } from 'node:path';
import { generateKey, KEY_KINDS, type KeyKind } from '../../security/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { writeSeedFile } from '../key-files.ts';

export const command: Command = {
  summary:
    'Make a key pair: operator, account, user, host, component (ed25519) or curve (x25519, secrets)',
  usage:
    'aloft keys gen <operator|account|user|host|component|curve> --out FILE [--force] [--print-seed] [--json]\n' +
    '  The seed goes to FILE (mode 0600) and is never printed unless --print-seed is given.',
  options: {
    out: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
    'print-seed': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  run({ values, positionals, io }) {
    const kind = positionals[0];
    if (!kind || !(KEY_KINDS as readonly string[]).includes(kind)) {
      throw new AloftError(
        'USAGE',
        `give the kind of key: one of ${KEY_KINDS.join(', ')}${kind ? ` (not ${JSON.stringify(kind)})` : ''}`,
      );
    }
    const out = values.out as string | undefined;
    const printSeed = values['print-seed'] === true;
    if (!out && !printSeed) {
      throw new AloftError(
        'USAGE',
        'give --out FILE for the seed (or --print-seed to print it instead)',
        {
          hint: 'a seed that is neither written nor printed would be lost',
        },
      );
    }
    const key = generateKey(kind as KeyKind);
    const file = out ? resolve(io.cwd, out) : undefined;
    if (file) writeSeedFile(file, key, values.force === true);
    if (values.json) {
      io.out(
        JSON.stringify({
          kind,
          publicKey: key.publicKey,
          ...(file ? { file } : {}),
          ...(printSeed ? { seed: key.seed } : {}),
        }),
      );
    } else {
      io.out(key.publicKey);
      if (printSeed) io.out(key.seed);
      if (file) io.err(`${kind} key ${key.publicKey}: seed written to ${out} (mode 0600)`);
    }
    return Promise.resolve(0);
  },
};

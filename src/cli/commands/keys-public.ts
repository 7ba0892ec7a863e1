import { resolve } from 'node:path';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { readSeedFile } from '../key-files.ts';

export const command: Command = {
  summary: 'Print the public key of a seed file (never the seed)',
  usage: 'aloft keys public <seed file>',
  run({ positionals, io }) {
    const file = positionals[0];
    if (!file) throw new AloftError('USAGE', 'give a seed file');
    const key = readSeedFile(resolve(io.cwd, file), 'the key file');
    io.out(key.publicKey);
    return Promise.resolve(0);
  },
};

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { describeClaims, parseCaps, parseWhen, signBytes } from '../signing.ts';

export const command: Command = {
  summary:
    'Sign a component: embed claims (issuer, component key, hash, capabilities, validity) in it',
  usage:
    'aloft claims sign <file.wasm> --issuer SEED_FILE [--component-key SEED_FILE] [--name NAME] [--version V]\n' +
    '                  [--caps keyvalue,logging,…] [--not-before DATE|DURATION] [--expires DATE|DURATION] [-o OUT.wasm]\n' +
    '  --caps defaults to the capabilities the component imports; durations: 90d, 12h, 30m.',
  options: {
    issuer: { type: 'string' },
    'component-key': { type: 'string' },
    name: { type: 'string' },
    version: { type: 'string' },
    caps: { type: 'string' },
    'not-before': { type: 'string' },
    expires: { type: 'string' },
    out: { type: 'string', short: 'o' },
  },
  async run({ values, positionals, io }) {
    const file = positionals[0];
    if (!file) throw new AloftError('USAGE', 'give the component file to sign');
    const issuer = values.issuer as string | undefined;
    if (!issuer)
      throw new AloftError(
        'USAGE',
        'give --issuer: the seed file of the signing account (aloft keys gen account)',
      );
    const input = path.resolve(io.cwd, file);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(input));
    } catch (err) {
      throw new AloftError(
        'NOT_FOUND',
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    const now = new Date();
    const ck = values['component-key'] as string | undefined;
    const signed = await signBytes(bytes, {
      issuerFile: path.resolve(io.cwd, issuer),
      ...(ck ? { componentKeyFile: path.resolve(io.cwd, ck) } : {}),
      name: (values.name as string | undefined) ?? path.basename(file).replace(/\.wasm$/, ''),
      ...(values.version ? { version: values.version as string } : {}),
      ...(values.caps !== undefined ? { caps: parseCaps(values.caps as string) } : {}),
      ...(values['not-before']
        ? { notBefore: parseWhen(values['not-before'] as string, '--not-before', now) }
        : {}),
      ...(values.expires ? { expires: parseWhen(values.expires as string, '--expires', now) } : {}),
    });
    const out = path.resolve(io.cwd, (values.out as string | undefined) ?? file);
    await writeFile(out, signed.bytes);
    io.out(`signed ${path.relative(io.cwd, out) || out}: ${describeClaims(signed.claims)}`);
    for (const n of signed.notes) io.err(`note: ${n}`);
    return 0;
  },
};

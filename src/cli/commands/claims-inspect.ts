import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inspectClaims } from '../../security/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';

const time = (v: unknown): string =>
  typeof v === 'number' ? new Date(v * 1000).toISOString() : '-';

export const command: Command = {
  summary: "Show a component's claims and whether its signature and hash hold (exit 4 when not)",
  usage: 'aloft claims inspect <file.wasm> [--json]',
  options: { json: { type: 'boolean' } },
  async run({ values, positionals, io }) {
    const file = positionals[0];
    if (!file) throw new AloftError('USAGE', 'give a component file');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path.resolve(io.cwd, file)));
    } catch (err) {
      throw new AloftError(
        'NOT_FOUND',
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    const info = await inspectClaims(bytes);
    const valid = info.signed && info.signature === 'valid' && info.hashMatches;
    if (values.json) {
      io.out(JSON.stringify({ file, ...info, valid }, null, 2));
      return valid ? 0 : 4;
    }
    if (!info.signed) {
      io.out(`${file}: not signed (production hosts refuse it)`);
      return 4;
    }
    const p = info.payload;
    const a = (p.aloft ?? {}) as Record<string, unknown>;
    io.out(`file:       ${file}`);
    io.out(`issuer:     ${String(p.iss)}`);
    io.out(`component:  ${String(p.sub)}`);
    io.out(`name:       ${String(a.name)}${typeof a.version === 'string' ? ` ${a.version}` : ''}`);
    io.out(`caps:       ${Array.isArray(a.caps) ? a.caps.join(', ') || '(none)' : '?'}`);
    io.out(`issued:     ${time(p.iat)}`);
    io.out(`valid from: ${time(p.nbf)}`);
    io.out(`expires:    ${p.exp === undefined ? 'never' : time(p.exp)}`);
    io.out(
      `hash:       ${String(a.hash)} (${info.hashMatches ? 'matches the module' : 'DOES NOT MATCH: altered after signing'})`,
    );
    io.out(`signature:  ${info.signature === 'valid' ? 'valid' : `INVALID: ${info.signature}`}`);
    return valid ? 0 : 4;
  },
};

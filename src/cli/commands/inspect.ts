import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inspectComponent } from '../../runtime/index.ts';
import { decodeJwt } from '../../security/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';

export const command: Command = {
  summary: 'Show a component: world check, imports, exports, size, sha256, claims',
  usage: 'aloft inspect <file.wasm> [--json] [--wit]   (exit 4 when it does not fit the world)',
  options: {
    json: { type: 'boolean' },
    wit: { type: 'boolean' },
  },
  async run({ values, positionals, io }) {
    const file = positionals[0];
    if (!file) throw new AloftError('USAGE', 'give a .wasm file');
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path.resolve(io.cwd, file)));
    } catch (err) {
      throw new AloftError('NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`);
    }
    const info = await inspectComponent(bytes);
    let wit: string | undefined;
    if (values.wit && info.kind === 'component') {
      const { componentWit } = await import('@bytecodealliance/jco');
      wit = await componentWit(bytes);
    }
    if (values.json) {
      io.out(JSON.stringify({ file, ...info, ...(wit ? { wit } : {}) }, null, 2));
    } else {
      io.out(`file:      ${file}`);
      io.out(`kind:      ${info.kind}`);
      io.out(`size:      ${info.size.toLocaleString('en-US')} bytes`);
      io.out(`sha256:    ${info.sha256}`);
      io.out(`world:     ${info.world} — ${info.check.ok ? 'fits' : 'DOES NOT FIT'}`);
      if (info.kind === 'component') {
        io.out(`handlers:  ${info.check.handlers.join(', ') || '(none)'}`);
        io.out(`imports:`);
        for (const i of info.imports) io.out(`  ${i.name} (${i.kind})`);
        io.out(`exports:`);
        for (const e of info.exports) io.out(`  ${e.name} (${e.kind})`);
      }
      for (const u of info.check.unexpectedImports) io.out(`  ! unexpected import ${u}`);
      for (const u of info.check.unexpectedExports) io.out(`  ! unexpected export ${u}`);
      if (info.kind === 'component' && info.check.missingExport) io.out('  ! exports no handler');
      if (info.kind === 'core-module')
        io.out('  ! a core module, not a component: build it with "aloft build"');
      io.out(`sections:  ${info.customSections.join(', ') || '(no custom sections)'}`);
      io.out(`claims:    ${describeSection(info.claims)}`);
      if (wit) io.out(`\n${wit}`);
    }
    return info.check.ok ? 0 : 4;
  },
};

/** The claims section in one line: who signed it and for what (details: aloft claims inspect). */
function describeSection(claims: unknown): string {
  if (claims === undefined) return '(none: unsigned)';
  if (typeof claims !== 'string') return JSON.stringify(claims);
  try {
    const p = decodeJwt(claims).payload;
    const a = (p.aloft ?? {}) as { caps?: unknown };
    const caps = Array.isArray(a.caps) ? a.caps.join(', ') : '?';
    return `signed by ${String(p.iss)}, caps ${caps || '(none)'} (check it: aloft claims inspect)`;
  } catch {
    return `unreadable (${claims.slice(0, 40)}…)`;
  }
}

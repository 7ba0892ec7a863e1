import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildComponent } from '../../runtime/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';
import { dataDir } from '../local-state.ts';
import { buildSigningKey, describeClaims, parseCaps, parseWhen, signBytes } from '../signing.ts';

export const command: Command = {
  summary: 'Build a TypeScript or AssemblyScript component into a .wasm component',
  usage:
    'aloft build <dir | entry.ts> [--lang ts|as] [-o OUT.wasm] [--no-cache]\n' +
    '            [--issuer SEED_FILE] [--component-key SEED_FILE] [--name N] [--version V] [--caps a,b] [--expires 90d] [--no-sign]\n' +
    '  Signs when a key is configured: --issuer, $ALOFT_ISSUER, aloft.json {"signing":{"issuer":…}},\n' +
    '  or the development issuer "aloft up" made in the data directory.',
  options: {
    lang: { type: 'string' },
    out: { type: 'string', short: 'o' },
    'no-cache': { type: 'boolean' },
    issuer: { type: 'string' },
    'component-key': { type: 'string' },
    name: { type: 'string' },
    version: { type: 'string' },
    caps: { type: 'string' },
    expires: { type: 'string' },
    'no-sign': { type: 'boolean' },
    'data-dir': { type: 'string' },
  },
  async run({ values, positionals, io }) {
    const target = positionals[0];
    if (!target) throw new AloftError('USAGE', 'give the component directory or its entry file');
    let entry = path.resolve(io.cwd, target);
    if (
      await stat(entry).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      entry = path.join(entry, 'index.ts');
    const lang = values.lang as string | undefined;
    if (lang !== undefined && lang !== 'ts' && lang !== 'as') {
      throw new AloftError('USAGE', `--lang must be ts or as, not "${lang}"`);
    }
    const dir = path.dirname(entry);
    const outFile = path.resolve(
      io.cwd,
      (values.out as string | undefined) ?? path.join(dir, `${path.basename(dir)}.wasm`),
    );
    const t0 = performance.now();
    io.err(`building ${path.relative(io.cwd, entry) || entry}...`);
    const result = await buildComponent({
      entry,
      outFile,
      ...(lang ? { lang } : {}),
      ...(values['no-cache'] ? {} : { cacheDir: path.join(io.cwd, '.aloft/build-cache') }),
    });
    const kib = (result.component.length / 1024).toFixed(0);
    const how = result.cached
      ? 'unchanged sources, from the build cache'
      : `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    io.out(`${path.relative(io.cwd, outFile)}  ${result.lang}  ${kib} KiB  (${how})`);
    const key = values['no-sign']
      ? undefined
      : buildSigningKey({
          flag: values.issuer as string | undefined,
          env: io.env,
          cwd: io.cwd,
          componentDir: dir,
          dataDir: dataDir(values['data-dir'] as string | undefined, io.env, io.cwd),
        });
    if (!key) {
      io.err(
        values['no-sign']
          ? 'not signed (--no-sign): only hosts in development mode run it'
          : 'not signed: no signing key configured (--issuer, ALOFT_ISSUER, aloft.json, or "aloft up"); production hosts refuse unsigned components',
      );
      return 0;
    }
    const now = new Date();
    const ck = (values['component-key'] as string | undefined) ?? key.componentKeyFile;
    const expires = (values.expires as string | undefined) ?? key.expires;
    const signed = await signBytes(result.component, {
      issuerFile: key.issuerFile,
      ...(ck ? { componentKeyFile: path.resolve(io.cwd, ck) } : {}),
      name: (values.name as string | undefined) ?? path.basename(dir),
      ...(values.version ? { version: values.version as string } : {}),
      ...(values.caps !== undefined ? { caps: parseCaps(values.caps as string) } : {}),
      ...(expires ? { expires: parseWhen(expires, '--expires', now) } : {}),
    });
    await writeFile(outFile, signed.bytes);
    io.out(`signed with ${key.source}: ${describeClaims(signed.claims)}`);
    for (const n of signed.notes) io.err(`note: ${n}`);
    return 0;
  },
};

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { buildComponent } from '../../runtime/index.ts';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';

export const command: Command = {
  summary: 'Build a TypeScript or AssemblyScript component into a .wasm component',
  usage: 'aloft build <dir | entry.ts> [--lang ts|as] [-o OUT.wasm] [--no-cache]',
  options: {
    lang: { type: 'string' },
    out: { type: 'string', short: 'o' },
    'no-cache': { type: 'boolean' },
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
    return 0;
  },
};

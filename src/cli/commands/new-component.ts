import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AloftError } from '../../support/index.ts';
import type { Command } from '../command.ts';

const templates = fileURLToPath(new URL('../../../templates/', import.meta.url));
const sdk = fileURLToPath(new URL('../../../sdk/typescript', import.meta.url));

export const command: Command = {
  summary: 'Scaffold a component (TypeScript or AssemblyScript) with typed imports and a test',
  usage: 'aloft new component <name> [--lang ts|as] [--dir PATH]',
  options: {
    lang: { type: 'string', default: 'ts' },
    dir: { type: 'string' },
  },
  async run({ values, positionals, io }) {
    const name = positionals[0];
    if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
      throw new AloftError(
        'USAGE',
        'give the component a name of lower-case letters, digits and dashes, e.g. "orders"',
      );
    }
    const lang = values.lang as string;
    if (lang !== 'ts' && lang !== 'as')
      throw new AloftError('USAGE', `--lang must be ts or as, not "${lang}"`);
    const dir = path.resolve(io.cwd, (values.dir as string | undefined) ?? name);
    if (
      await stat(dir).then(
        (s) => s.isDirectory() && true,
        () => false,
      )
    ) {
      if ((await readdir(dir)).length > 0)
        throw new AloftError('INVALID_INPUT', `${dir} already exists and is not empty`);
    }
    await mkdir(dir, { recursive: true });
    const from = path.join(templates, `component-${lang}`);
    const rel = path.relative(io.cwd, dir) || '.';
    const sdkRel = path.relative(dir, sdk).split(path.sep).join('/');
    for (const file of await readdir(from)) {
      const text = (await readFile(path.join(from, file), 'utf8'))
        .replaceAll('__NAME__', name)
        .replaceAll('__DIR__', rel)
        .replaceAll('__SDK__', sdkRel.startsWith('.') ? sdkRel : `./${sdkRel}`);
      await writeFile(path.join(dir, file), text);
    }
    io.out(
      `created ${rel}/ (${lang === 'ts' ? 'TypeScript' : 'AssemblyScript'} component "${name}")`,
    );
    io.out(`  build: aloft build ${rel}`);
    io.out(`  test:  node --import tsx --test ${rel}/index.test.ts`);
    return 0;
  },
};

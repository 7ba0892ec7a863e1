// A build run in a child process: `node --no-liftoff child.ts <lang> <entry> <out.wasm>`.
// Isolates the toolchain's memory (≈0.9 GB for componentize-js) and lets the TypeScript build
// run its wasm-based splicer with TurboFan only (--no-liftoff halves its time), without
// changing V8 flags in the caller. Prints one JSON line: {ok, handlers} or {ok:false, error}.
import { writeFile } from 'node:fs/promises';
import { buildAssemblyScript } from './assemblyscript.ts';
import { platformPaths } from './common.ts';
import { buildTypeScript } from './typescript.ts';
import { BuildError } from '../errors.ts';

const [lang, entry, out] = process.argv.slice(2);
try {
  if (!entry || !out) throw new Error('usage: child.ts <ts|as> <entry> <out>');
  const built =
    lang === 'as'
      ? await buildAssemblyScript(entry, platformPaths.asSdk)
      : await buildTypeScript(entry);
  await writeFile(out, built.component);
  process.stdout.write(JSON.stringify({ ok: true, handlers: built.handlers }) + '\n');
} catch (err) {
  const location = err instanceof BuildError ? err.location : undefined;
  const message = err instanceof Error ? err.message : String(err);
  process.stdout.write(
    JSON.stringify({ ok: false, error: { message, location, build: err instanceof BuildError } }) +
      '\n',
  );
  process.exitCode = 1;
}

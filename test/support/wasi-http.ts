// The wasi:http test component, built once per content hash with the real toolchain.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir, root } from '../runtime/fixtures.ts';

let built: Promise<Uint8Array> | undefined;

/** test/fixtures/components/wasi-http-js as a wasi:http/incoming-handler component. */
export function wasiHttpFixture(): Promise<Uint8Array> {
  built ??= build();
  return built;
}

async function build(): Promise<Uint8Array> {
  const entry = path.join(root, 'test/fixtures/components/wasi-http-js/index.js');
  const script = path.join(root, 'test/support/wasi-http-build.ts');
  const require = createRequire(import.meta.url);
  const versions = ['@bytecodealliance/componentize-js', '@bytecodealliance/jco']
    .map((p) => readFileSync(path.join(root, 'node_modules', p, 'package.json'), 'utf8'))
    .join(',');
  const hash = createHash('sha256')
    .update(await readFile(entry))
    .update(await readFile(script))
    .update(versions)
    .digest('hex')
    .slice(0, 16);
  const file = path.join(cacheDir, `wasi-http-js-${hash}.wasm`);
  const hit = await readFile(file).catch(() => undefined);
  if (hit) return new Uint8Array(hit);
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--no-liftoff', '--import', tsx, script, entry, tmp],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()),
    );
  });
  await rename(tmp, file);
  return new Uint8Array(await readFile(file));
}

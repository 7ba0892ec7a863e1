// Builds hello.c into a component: clang-19 → core module → component (jco, in process).
// Needs Debian's clang-19, lld-19, libclang-rt-19-dev-wasm32 and wasi-libc (docs/components.md).
// Run: node --import tsx examples/hello-c/build.ts [OUT_DIR]   (default: this directory)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { componentFromCore } from '../../src/runtime/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Compiles hello.c and wraps it; returns the component and writes hello-c.wasm into `outDir`. */
export async function buildHelloC(outDir: string): Promise<Uint8Array> {
  mkdirSync(outDir, { recursive: true });
  const core = path.join(outDir, 'hello-c.core.wasm');
  execFileSync('clang-19', [
    '--target=wasm32-wasi', '--sysroot=/usr', '-mexec-model=reactor', '-O2', '-Wl,--strip-all',
    '-o', core, path.join(here, 'hello.c'),
  ], { stdio: ['ignore', 'inherit', 'inherit'] });
  const component = await componentFromCore(readFileSync(core), ['http-handler', 'operation']);
  writeFileSync(path.join(outDir, 'hello-c.wasm'), component);
  return component;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? here;
  const component = await buildHelloC(out);
  console.log(`${path.join(out, 'hello-c.wasm')}: ${component.length} bytes`);
}

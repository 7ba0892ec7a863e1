// Builds test/fixtures/components/wasi-http-js with componentize-js against the standard
// wasi:http proxy world (StarlingMonkey's fetch-event handler exports
// wasi:http/incoming-handler@0.2.10; jco ships the WASI 0.2.12 WIT, so the packages are
// declared at 0.2.10 here — FIELD-NOTES §1). Run as its own process (the toolchain needs ~1 GB
// and filesystem preopens): `node --import tsx wasi-http-build.ts <entry.js> <out.wasm>`.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [entry, out] = process.argv.slice(2);
if (!entry || !out) throw new Error('usage: wasi-http-build.ts <entry.js> <out.wasm>');
const jcoWit = path.join(
  import.meta.dirname,
  '../../node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12',
);
const work = await mkdtemp(path.join(tmpdir(), 'aloft-wasi-http-'));
try {
  for (const pkg of await readdir(jcoWit)) {
    const dest = path.join(work, 'wit/deps', pkg);
    await cp(path.join(jcoWit, pkg), dest, { recursive: true });
    const file = path.join(dest, 'package.wit');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('@0.2.12', '@0.2.10'));
  }
  await writeFile(
    path.join(work, 'wit/world.wit'),
    'package aloft-test:wasi-http;\n\nworld proxy {\n  include wasi:http/proxy@0.2.10;\n}\n',
  );
  const shim = await import('@bytecodealliance/preview2-shim/filesystem');
  (shim._setPreopens as unknown as (p: Record<string, string>) => void)({ '/': '/' });
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize({
    sourcePath: entry,
    witPath: path.join(work, 'wit'),
    worldName: 'proxy',
  });
  await writeFile(out, component);
} finally {
  await rm(work, { recursive: true, force: true });
}

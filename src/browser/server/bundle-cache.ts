import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bindgenFiles,
  bundleBrowserHost,
  hashFiles,
  script,
  type BrowserBundle,
} from './bundle.ts';

/** What is kept on disk: the bundle's JavaScript files and the hashes of the sources they came from. */
interface CachedBundle {
  inputs: Record<string, string>;
  files: Record<string, string>;
}

let cached: Promise<BrowserBundle> | undefined;

/**
 * The browser host's files, bundled once per process and kept on disk (in the temp directory)
 * while the sources they were made from are unchanged, so a new dashboard process serves `/join`
 * without running esbuild. Users need no build step.
 */
export function browserBundle(): Promise<BrowserBundle> {
  cached ??= loadOrBuild();
  cached.catch(() => (cached = undefined));
  return cached;
}

const sha = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function loadOrBuild(): Promise<BrowserBundle> {
  // One cache file per checkout (or installed copy) of Aloft.
  const home = fileURLToPath(new URL('.', import.meta.url));
  const file = path.join(tmpdir(), 'aloft', `browser-host-${sha(home).slice(0, 16)}.json`);
  const hit = await readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as CachedBundle,
    () => undefined,
  );
  if (hit && (await unchanged(hit.inputs))) {
    const fresh = await bindgenFiles();
    for (const [name, b64] of Object.entries(hit.files)) {
      fresh.set(name, script(new Uint8Array(Buffer.from(b64, 'base64'))));
    }
    return { hash: hashFiles(fresh), files: fresh };
  }
  const built = await bundleBrowserHost();
  const inputs: Record<string, string> = {};
  for (const input of built.inputs) {
    inputs[input] = await readFile(input).then(sha, () => '');
  }
  const js: Record<string, string> = {};
  for (const [name, f] of built.files) {
    if (name.endsWith('.js')) js[name] = Buffer.from(f.body).toString('base64');
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ inputs, files: js } satisfies CachedBundle));
  await rename(tmp, file);
  return { hash: built.hash, files: built.files };
}

async function unchanged(inputs: Record<string, string>): Promise<boolean> {
  const entries = Object.entries(inputs);
  if (entries.length === 0) return false;
  for (const [file, hash] of entries) {
    const now = await readFile(file).then(sha, () => undefined);
    if (now !== hash) return false;
  }
  return true;
}

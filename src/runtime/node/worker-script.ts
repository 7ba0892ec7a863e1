import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');
const entry = fileURLToPath(new URL('./worker-entry.ts', import.meta.url));

/** A bundle on disk with the content hashes of the sources it was made from. */
interface CachedBundle {
  inputs: Record<string, string>;
  code: string;
}

let cached: Promise<URL> | undefined;

/**
 * The URL a worker starts from. From compiled output, `worker-entry.js` itself. From TypeScript
 * sources (tests, the tsx-run CLI), a bundle of `worker-entry.ts` made with esbuild: registering
 * tsx inside each worker costs ~400 ms per worker. The bundle is kept in the temp directory and
 * reused while its sources are unchanged, so a fresh process does not start esbuild either.
 */
export function workerScript(): Promise<URL> {
  cached ??= fromSource ? bundle() : Promise.resolve(new URL('./worker-entry.js', import.meta.url));
  return cached;
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

async function bundle(): Promise<URL> {
  const file = path.join(tmpdir(), 'aloft', `worker-${sha(entry).slice(0, 16)}.json`);
  const hit = await readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as CachedBundle,
    () => undefined,
  );
  if (hit && (await unchanged(hit.inputs))) return dataUrl(hit.code);

  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: path.dirname(entry),
  });
  const code = out.outputFiles[0]?.text ?? '';
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(out.metafile.inputs)) {
    const abs = path.resolve(path.dirname(entry), input);
    inputs[abs] = sha(await readFile(abs, 'utf8'));
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ inputs, code } satisfies CachedBundle));
  await rename(tmp, file);
  return dataUrl(code);
}

async function unchanged(inputs: Record<string, string>): Promise<boolean> {
  for (const [file, hash] of Object.entries(inputs)) {
    const now = await readFile(file, 'utf8').then(sha, () => undefined);
    if (now !== hash) return false;
  }
  return Object.keys(inputs).length > 0;
}

function dataUrl(code: string): URL {
  return new URL(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');

/**
 * The URL a worker starts from. From compiled output, `worker-entry.js` itself. From TypeScript
 * sources (tests, the tsx-run CLI), a bundle of `worker-entry.ts` made once per process with
 * esbuild: registering tsx inside each worker costs ~400 ms per worker, the bundle ~10 ms once.
 */
export function workerScript(): Promise<URL> {
  cached ??= build();
  return cached;
}

let cached: Promise<URL> | undefined;

async function build(): Promise<URL> {
  if (!fromSource) return new URL('./worker-entry.js', import.meta.url);
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./worker-entry.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]?.text ?? '';
  return new URL(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

import { createHash } from 'node:crypto';
import path from 'node:path';
import { memoryArtifactCache } from '../artifact-cache.ts';
import type { GlueModule } from '../instance/guest.ts';
import { createRuntimeCore, type Runtime, type RuntimeCoreOptions } from '../runtime.ts';
import { fsArtifactCache } from './fs-cache.ts';
import { nodeWorkerSpawner } from './spawn-worker.ts';
import { transpileInWorker } from './transpile-worker.ts';

/** Options of {@link createRuntime}: the core's, with Node defaults for the seams. */
export interface RuntimeOptions extends Omit<RuntimeCoreOptions, 'cache' | 'spawner'> {
  /** Directory for transpiled components (one subdirectory per sha256); memory only when absent. */
  cacheDir?: string;
  cache?: RuntimeCoreOptions['cache'];
  spawner?: RuntimeCoreOptions['spawner'];
  /** Started threads kept in reserve for loads and replacements (default 1). */
  spareWorkers?: number;
}

/**
 * Creates a component runtime for Node: instances in `worker_threads`, transpiled components
 * cached under `cacheDir`.
 *
 * @example
 * const runtime = createRuntime({ cacheDir: '.aloft/cache', logger, capabilities });
 * const hello = await runtime.load(bytes, { name: 'hello' });
 * const res = await hello.handleHttp({ method: 'GET', path: '/', headers: [], body: new Uint8Array() });
 * await runtime.close();
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  return createRuntimeCore({
    ...options,
    cache:
      options.cache ??
      (options.cacheDir
        ? fsArtifactCache(path.join(options.cacheDir, 'transpiled'))
        : memoryArtifactCache()),
    spawner: options.spawner ?? nodeWorkerSpawner({ spares: options.spareWorkers ?? 1 }),
    transpile: options.transpile ?? transpileInWorker,
    loadGlue:
      options.loadGlue ??
      (async (source) =>
        (await import(
          `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`
        )) as GlueModule),
    sha256:
      options.sha256 ??
      ((bytes) => Promise.resolve(createHash('sha256').update(bytes).digest('hex'))),
  });
}

// Issue 10 guard: the runtime core and the worker loop bundle for a browser without any Node
// built-in, so a browser-tab host can reuse them with a Web Worker spawner and its own cache.
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import { build } from 'esbuild';
import { root } from './fixtures.ts';

for (const entry of ['src/runtime/runtime.ts', 'src/runtime/instance/worker-loop.ts']) {
  it(`${entry} bundles for the browser with no Node built-ins`, async () => {
    const out = await build({
      entryPoints: [path.join(root, entry)],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      // The transpiler is loaded lazily and is itself browser-ready (jco's browser build).
      external: ['jco-runtime/component'],
    });
    const inputs = Object.keys(out.metafile.inputs);
    assert.ok(inputs.length > 3, inputs.join(', '));
    const nodeish = inputs.filter(
      (i) => i.startsWith('node:') || i.includes('/node/') || i.includes('/build/'),
    );
    assert.deepEqual(nodeish, []);
    assert.doesNotMatch(out.outputFiles[0]?.text ?? '', /from ["']node:/);
  });
}

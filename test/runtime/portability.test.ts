// Issue 10 guard: the runtime core and the worker loop bundle for a browser without any Node
// built-in, so a browser-tab host can reuse them with a Web Worker spawner and its own cache.
// Bundled the way the tab's bundle is made (src/browser/server/bundle.ts): the domains' doors also
// export Node-only parts (support's health server, the Node runtime), which must drop out.
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import { bundleForBrowser } from '../../src/browser/index.ts';
import { root } from './fixtures.ts';

for (const entry of ['src/runtime/runtime.ts', 'src/runtime/instance/worker-loop.ts']) {
  it(`${entry} bundles for the browser with no Node built-ins`, async () => {
    // Throws BROWSER_BUNDLE_FAILED when a Node-only import survives tree shaking.
    const out = await bundleForBrowser({ entry: path.join(root, entry) });
    assert.ok(out.included.length > 3, out.included.join(', '));
    const nodeish = out.included.filter(
      (i) => i.includes('/node/') || i.includes('/build/') || i.endsWith('support/health.ts'),
    );
    assert.deepEqual(nodeish, []);
    for (const js of out.scripts.values()) {
      assert.doesNotMatch(new TextDecoder().decode(js), /from\s*["']node:/);
    }
  });
}

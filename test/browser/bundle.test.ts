// The browser host is the host core (src/host) and the runtime core on a browser platform, and
// nothing Node-only reaches the browser: checked on the real bundle the dashboard serves.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { bundleBrowserHost, bundleForBrowser } from '../../src/browser/index.ts';
import { isAloftError } from '../../src/support/index.ts';
import { root } from '../runtime/fixtures.ts';

const src = (f: string): string => path.join(root, 'src', f);

describe('browser host bundle', () => {
  it('reuses the host and runtime cores and leaves every Node-only module out', async () => {
    const built = await bundleBrowserHost();
    assert.deepEqual([...built.files.keys()].sort(), [
      '/join/host.js',
      '/join/js-component-bindgen-component.core.wasm',
      '/join/js-component-bindgen-component.core2.wasm',
      '/join/worker.js',
    ]);
    const included = new Set(built.included);
    // One implementation of the protocol: the tab runs the same files as a Node host.
    for (const shared of [
      'host/host.ts',
      'host/control.ts',
      'host/serve.ts',
      'host/capabilities.ts',
      'lattice/caller.ts',
      'lattice/hosts-view.ts',
      'runtime/runtime.ts',
      'runtime/instance/pool.ts',
      'runtime/instance/worker-loop.ts',
      'runtime/channel.ts',
      // The default logging and config providers every host runs for its components.
      'providers/kinds/logging.ts',
      'providers/kinds/config.ts',
    ]) {
      assert.ok(included.has(src(shared)), `${shared} is not in the bundle`);
    }
    const nodeOnly = built.included.filter((f) =>
      /src\/(runtime\/(node|build)\/|host\/(artifacts|oci|node-platform|identity|labels|main|spawn)\.ts|lattice\/connection\.ts|nats\/|providers\/(builtin\.ts|kinds\/(http-server|http-client|keyvalue|messaging|blobstore)\.ts|(http-server|http-client|keyvalue|messaging|blobstore|jetstream)\/)|web\/|cli\/|browser\/server\/)/.test(
        f,
      ),
    );
    assert.deepEqual(nodeOnly, []);
    const js = new TextDecoder().decode(built.files.get('/join/host.js')?.body);
    assert.doesNotMatch(js, /from\s*["']node:/);
  });

  it('refuses browser code that really uses a Node built-in, naming it', async () => {
    await assert.rejects(
      bundleForBrowser({ leak: path.join(root, 'test/fixtures/browser/leaks-node.ts') }),
      (err: unknown) => {
        assert.ok(isAloftError(err, 'BROWSER_BUNDLE_FAILED'), String(err));
        assert.match(err.message, /leak\.js still imports node:fs/);
        return true;
      },
    );
  });
});

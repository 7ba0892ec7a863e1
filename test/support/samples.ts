import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildComponent } from '../../src/runtime/index.ts';
import { signed } from './signing.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = new Map<string, Promise<Uint8Array>>();

/**
 * A component built from `examples/<name>/index.ts` with the real toolchain, cached by content
 * hash, and signed by the test issuer (test hosts trust it: see signing.ts).
 */
export function example(
  name: 'counter' | 'counter-as' | 'echo-as' | 'hello-as' | 'hello-ts',
): Promise<Uint8Array> {
  let p = built.get(name);
  if (!p) {
    p = buildComponent({
      entry: path.join(root, 'examples', name, 'index.ts'),
      cacheDir: path.join(root, '.cache/components'),
    }).then((r) => signed(r.component, { name }));
    built.set(name, p);
  }
  return p;
}

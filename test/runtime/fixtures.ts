// Builds the test components with the real toolchain, cached by content hash in
// .cache/components (a TypeScript build takes 10–30 s; a cached one, milliseconds).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildComponent } from '../../src/runtime/index.ts';
import { signed } from '../support/signing.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const cacheDir = path.join(root, '.cache/components');

const built = new Map<string, Promise<Uint8Array>>();

/** The component built from `test/fixtures/components/<name>` or `examples/hello-as`. */
export type FixtureName = 'probe-ts' | 'probe-as' | 'hello-as' | 'hostile-as' | 'secrets-as';

export function fixture(name: FixtureName): Promise<Uint8Array> {
  let p = built.get(name);
  if (!p) {
    const dir = name === 'hello-as' ? 'examples' : 'test/fixtures/components';
    const entry = path.join(root, dir, name, 'index.ts');
    p = buildComponent({ entry, cacheDir }).then((r) => r.component);
    built.set(name, p);
  }
  return p;
}

/** {@link fixture}, signed by the test issuer: what hosts in tests run. */
export async function signedFixture(name: FixtureName): Promise<Uint8Array> {
  return signed(await fixture(name), { name });
}

export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** An HTTP request record with defaults. */
export function request(
  path: string,
  init: { method?: string; headers?: [string, string][]; body?: string } = {},
) {
  return {
    method: init.method ?? 'GET',
    path,
    headers: init.headers ?? [],
    body: enc.encode(init.body ?? ''),
  };
}

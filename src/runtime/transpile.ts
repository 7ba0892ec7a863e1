import { prepareMemoryCap } from './wasm/memory-cap.ts';

/**
 * Transpiling a component into JavaScript glue plus core modules (jco's js-component-bindgen,
 * itself a WebAssembly component, so this also runs in a browser). Done once per content hash;
 * the result is an {@link Artifact} that an {@link ArtifactCache} keeps.
 */

/** Which bindings generator produced an artifact; part of the cache key. */
export const TRANSPILER_ID = 'jco-1.10.2-sync-capready';

/** A transpiled component: what workers need to instantiate it. */
export interface Artifact {
  /** ES module source exporting `instantiate(getCoreModule, imports)` (sync mode). */
  glue: string;
  /** Core modules by the file name the glue asks for. */
  modules: Record<string, Uint8Array>;
  /** Import specifiers the glue reads (`aloft:platform/keyvalue`, version dropped by jco 1.10). */
  imports: string[];
  /** Export names with their kind, as jco reports them. */
  exports: [string, string][];
}

/** What jco's bindgen returns. */
export interface BindgenOutput {
  files: [string, Uint8Array][];
  imports: string[];
  exports: [string, string][];
}

interface Generate {
  generate: (component: Uint8Array, options: Record<string, unknown>) => Promise<BindgenOutput>;
}

/** Bindgen options: sync instantiation (imports and core modules passed in), no TS, no Node shims. */
export const BINDGEN_OPTIONS = {
  name: 'component',
  instantiation: { tag: 'sync' },
  noTypescript: true,
  noNodejsCompat: true,
  map: [],
  validLiftingOptimization: false,
  tracing: false,
  tlaCompat: false,
  base64Cutoff: 0,
  noNamespacedExports: false,
  multiMemory: false,
  importBindings: null,
  asyncMode: null,
} as const;

/**
 * Transpiles component bytes in the calling thread (≈0.3 s for a small component, ≈1 s for a
 * 12 MB one, blocking that thread: on Node the runtime uses `node/transpile-worker.ts`).
 * jco 1.10.2's glue is chosen on purpose: ~5× cheaper calls and ~20× cheaper instantiation than
 * jco ≥1.17 (FIELD-NOTES §1).
 */
export async function transpile(component: Uint8Array): Promise<Artifact> {
  const { generate } = (await import('jco-runtime/component')) as unknown as Generate;
  return artifactFrom(await generate(component, BINDGEN_OPTIONS));
}

/** Sorts bindgen output into an {@link Artifact}. */
export function artifactFrom(out: BindgenOutput): Artifact {
  const modules: Record<string, Uint8Array> = {};
  let glue = '';
  const decoder = new TextDecoder();
  for (const [name, bytes] of out.files) {
    if (name.endsWith('.wasm')) modules[name] = prepareMemoryCap(bytes);
    else if (name.endsWith('.js')) glue = decoder.decode(bytes);
  }
  if (!glue) throw new Error('the transpiler produced no JavaScript');
  return { glue, modules, imports: out.imports, exports: out.exports };
}

import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { AloftError } from '../../support/index.ts';

/** A file of the browser host, as served under `/join/`. */
export interface BundleFile {
  type: string;
  body: Uint8Array;
}

/** The browser host's files by path (`/join/host.js`, …) and a hash of their content. */
export interface BrowserBundle {
  /** Short content hash, for cache-busting URLs (`?v=<hash>`). */
  hash: string;
  files: Map<string, BundleFile>;
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const here = path.dirname(fileURLToPath(import.meta.url));
/** Our own sources (src/ or dist/): side-effect free by convention (STYLE.md), so tree-shakable. */
const ownRoot = path.resolve(here, '..', '..') + path.sep;
const ENTRIES = {
  host: path.join(here, '..', 'page', `main${ext}`),
  worker: path.join(here, '..', 'page', `worker${ext}`),
};

/**
 * Lets esbuild drop what the browser code does not use. The domains' doors (index.ts) also export
 * Node-only parts (the Node runtime, connectLattice over TCP, the build toolchain); marking our
 * sources side-effect free makes esbuild keep only the modules whose exports are used, and
 * anything that cannot be resolved for a browser (Node built-ins, Node-only packages) becomes an
 * external that must then disappear with them — `bundleBrowserHost` checks that it did.
 */
const browserOnly: Plugin = {
  name: 'aloft-browser-only',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if ((args.pluginData as { inner?: boolean } | undefined)?.inner) return undefined;
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('node:'))
        return { path: args.path, external: true, sideEffects: false };
      const r = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { inner: true },
      });
      if (r.errors.length > 0) return { path: args.path, external: true, sideEffects: false };
      if (r.path.startsWith(ownRoot)) return { path: r.path, sideEffects: false };
      return undefined;
    });
  },
};

/** What esbuild made of some entry points for the browser. */
export interface BrowserBuild {
  /** JavaScript output by name (`host.js`). */
  scripts: Map<string, Uint8Array>;
  /** Every source file esbuild read (tree-shaken ones too): the bundle is stale when one changes. */
  inputs: string[];
  /** Source files that contributed code to the output. */
  included: string[];
}

/**
 * Bundles `entries` (output name → source file) for the browser with esbuild and checks that
 * nothing Node-only stayed in.
 *
 * @throws {AloftError} `BROWSER_BUNDLE_FAILED` naming what could not be bundled, or what
 *   Node-only import the browser code still pulls in.
 */
export async function bundleForBrowser(entries: Record<string, string>): Promise<BrowserBuild> {
  const { build } = await import('esbuild');
  let out: Awaited<ReturnType<typeof build>> & { metafile: object };
  try {
    out = await build({
      entryPoints: entries,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      write: false,
      outdir: '/join',
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      plugins: [browserOnly],
    });
  } catch (err) {
    const detail = (err as { errors?: { text: string; location?: { file: string } }[] }).errors
      ?.slice(0, 3)
      .map((e) => `${e.location?.file ?? ''}: ${e.text}`)
      .join('; ');
    throw new AloftError(
      'BROWSER_BUNDLE_FAILED',
      `cannot bundle the browser host: ${detail ?? String(err)}`,
      { cause: err },
    );
  }
  const included = new Set<string>();
  for (const [file, meta] of Object.entries(out.metafile.outputs)) {
    // Static imports that survived tree shaking would fail in the browser; a dependency's guarded
    // dynamic import of a Node built-in (`if (isNode) await import('node:crypto')`) is harmless.
    const leaked = meta.imports.filter((i) => i.external && i.kind !== 'dynamic-import');
    if (leaked.length > 0) {
      throw new AloftError(
        'BROWSER_BUNDLE_FAILED',
        `the browser host's ${path.basename(file)} still imports ${leaked.map((i) => i.path).join(', ')}`,
        { hint: 'browser code must reach Node-only modules through nothing it uses' },
      );
    }
    for (const [input, use] of Object.entries(meta.inputs))
      if (use.bytesInOutput > 0) included.add(input);
  }
  // Inputs in a namespace (`(disabled):crypto`) are not files.
  const files = (list: Iterable<string>): string[] =>
    [...list].filter((i) => !/^\(?[a-z-]+\)?:/.test(i)).map((i) => path.resolve(i));
  return {
    scripts: new Map((out.outputFiles ?? []).map((f) => [path.basename(f.path), f.contents])),
    inputs: files(Object.keys(out.metafile.inputs)),
    included: files(included),
  };
}

/**
 * Bundles the browser host: the page's script (`/join/host.js`) and the instance worker
 * (`/join/worker.js`), plus jco's bindings generator core modules, which the page's transpiler
 * fetches next to its script. Takes about a second; {@link browserBundle} caches it.
 */
export async function bundleBrowserHost(): Promise<BrowserBundle & BrowserBuild> {
  const built = await bundleForBrowser(ENTRIES);
  const files = new Map<string, BundleFile>();
  for (const [name, body] of built.scripts) files.set(`/join/${name}`, script(body));
  for (const [name, f] of await bindgenFiles()) files.set(name, f);
  return { hash: hashFiles(files), files, ...built };
}

export const script = (body: Uint8Array): BundleFile => ({
  type: 'text/javascript; charset=utf-8',
  body,
});

export function hashFiles(files: Map<string, BundleFile>): string {
  const h = createHash('sha256');
  for (const [name, f] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    h.update(name).update(f.body);
  }
  return h.digest('hex').slice(0, 16);
}

/** jco's bindings generator core modules (not kept in the disk cache: they are files already). */
export async function bindgenFiles(): Promise<Map<string, BundleFile>> {
  const files = new Map<string, BundleFile>();
  const bindgenDir = path.join(
    path.dirname(fileURLToPath(import.meta.resolve('jco-runtime/component'))),
    '..',
    'obj',
  );
  for (const name of await readdir(bindgenDir)) {
    if (name.startsWith('js-component-bindgen-component.') && name.endsWith('.wasm')) {
      files.set(`/join/${name}`, {
        type: 'application/wasm',
        body: new Uint8Array(await readFile(path.join(bindgenDir, name))),
      });
    }
  }
  return files;
}

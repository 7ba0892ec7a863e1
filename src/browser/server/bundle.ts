import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/**
 * Bundles the browser host (the page's script and the instance worker) with esbuild and checks
 * that nothing Node-only stayed in. Also returns jco's bindings generator core modules, which the
 * page's transpiler fetches next to its script. Takes ~2 s; see {@link browserBundle} for the
 * cached version.
 *
 * @throws {AloftError} `BROWSER_BUNDLE_FAILED` naming what could not be bundled, or what Node-only
 *   import the browser code still pulls in.
 */
export async function bundleBrowserHost(): Promise<BrowserBundle & { inputs: string[] }> {
  const { build } = await import('esbuild');
  let out: Awaited<ReturnType<typeof build>> & { metafile: object };
  try {
    out = await build({
      entryPoints: ENTRIES,
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
  const files = new Map<string, BundleFile>();
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
  }
  for (const f of out.outputFiles ?? []) {
    files.set(`/join/${path.basename(f.path)}`, {
      type: 'text/javascript; charset=utf-8',
      body: f.contents,
    });
  }
  // jco's bindgen (bundled into host.js) fetches its core modules relative to the script's URL.
  for (const [name, f] of await bindgenFiles()) files.set(name, f);
  // Inputs in a namespace (`(disabled):crypto`) are not files.
  const inputs = Object.keys(out.metafile.inputs)
    .filter((i) => !/^\(?[a-z-]+\)?:/.test(i))
    .map((i) => path.resolve(i));
  return { hash: hashFiles(files), files, inputs };
}

function hashFiles(files: Map<string, BundleFile>): string {
  const h = createHash('sha256');
  for (const [name, f] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    h.update(name).update(f.body);
  }
  return h.digest('hex').slice(0, 16);
}

/** What is kept on disk: the bundle's JavaScript files and the hashes of the sources they came from. */
interface CachedBundle {
  inputs: Record<string, string>;
  files: Record<string, string>;
}

let cached: Promise<BrowserBundle> | undefined;

/**
 * The browser host's files, bundled once per process and kept on disk (in the temp directory)
 * while the sources they were made from are unchanged, so a new dashboard process serves `/join`
 * without running esbuild. Users need no build step.
 */
export function browserBundle(): Promise<BrowserBundle> {
  cached ??= loadOrBuild();
  cached.catch(() => (cached = undefined));
  return cached;
}

const sha = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function loadOrBuild(): Promise<BrowserBundle> {
  const file = path.join(tmpdir(), 'aloft', `browser-host-${sha(ownRoot).slice(0, 16)}.json`);
  const hit = await readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as CachedBundle,
    () => undefined,
  );
  if (hit && (await unchanged(hit.inputs))) {
    const fresh = await bindgenFiles();
    for (const [name, b64] of Object.entries(hit.files)) {
      fresh.set(name, {
        type: 'text/javascript; charset=utf-8',
        body: new Uint8Array(Buffer.from(b64, 'base64')),
      });
    }
    return { hash: hashFiles(fresh), files: fresh };
  }
  const built = await bundleBrowserHost();
  const inputs: Record<string, string> = {};
  for (const input of built.inputs) {
    inputs[input] = await readFile(input).then(sha, () => '');
  }
  const js: Record<string, string> = {};
  for (const [name, f] of built.files) {
    if (name.endsWith('.js')) js[name] = Buffer.from(f.body).toString('base64');
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ inputs, files: js } satisfies CachedBundle));
  await rename(tmp, file);
  return { hash: built.hash, files: built.files };
}

async function unchanged(inputs: Record<string, string>): Promise<boolean> {
  const entries = Object.entries(inputs);
  if (entries.length === 0) return false;
  for (const [file, hash] of entries) {
    const now = await readFile(file).then(sha, () => undefined);
    if (now !== hash) return false;
  }
  return true;
}

/** jco's bindings generator core modules (not kept in the disk cache: they are files already). */
async function bindgenFiles(): Promise<Map<string, BundleFile>> {
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

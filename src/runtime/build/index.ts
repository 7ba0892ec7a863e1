import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { delay } from '../../support/index.ts';
import { BuildError } from '../errors.ts';
import type { HandlerInterface } from '../world.ts';
import { buildKey } from './cache-key.ts';
import { platformPaths } from './common.ts';

/**
 * Wraps a core module whose exports already carry canonical ABI names (from C, Rust, …) into a
 * component of the platform world exporting `handlers` (jco componentEmbed + componentNew).
 */
export { embedAndCreate as componentFromCore } from './common.ts';

/** Guest languages `aloft build` knows. */
export type GuestLanguage = 'ts' | 'as';

export interface BuildOptions {
  /** The guest's entry file (exports handleHttp / handleMessage / call). */
  entry: string;
  /** Default: `as` when the source imports the `aloft` AssemblyScript SDK, else `ts`. */
  lang?: GuestLanguage;
  /** Where built components are kept by content hash; no caching when absent. */
  cacheDir?: string;
  /** Where to write the component (in addition to the cache). */
  outFile?: string;
}

export interface BuildResult {
  component: Uint8Array;
  lang: GuestLanguage;
  /** Content hash of the inputs (sources, SDK, WIT, toolchain versions). */
  key: string;
  /** True when the component came from the cache. */
  cached: boolean;
  path: string | undefined;
}

/** Guesses the language of a `.ts` guest: AssemblyScript imports the `aloft` SDK by bare name. */
export function detectLanguage(source: string): GuestLanguage {
  return /from\s+["']aloft["']/.test(source) ? 'as' : 'ts';
}

function runChild(
  lang: GuestLanguage,
  entry: string,
  out: string,
): Promise<{ handlers: HandlerInterface[] }> {
  const script = new URL(
    import.meta.url.endsWith('.ts') ? './child.ts' : './child.js',
    import.meta.url,
  );
  const args = ['--no-liftoff'];
  if (script.pathname.endsWith('.ts')) {
    args.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
  }
  args.push(script.pathname, lang, entry, out);
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      args,
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        let parsed: {
          ok: boolean;
          handlers?: HandlerInterface[];
          error?: { message: string; location?: string };
        };
        try {
          parsed = JSON.parse(line) as typeof parsed;
        } catch {
          reject(
            new BuildError(
              `build process failed: ${error?.message ?? ''}\n${stderr}`,
              undefined,
              error,
            ),
          );
          return;
        }
        if (parsed.ok) resolve({ handlers: parsed.handlers ?? [] });
        else
          reject(new BuildError(parsed.error?.message ?? 'build failed', parsed.error?.location));
      },
    );
    // The test runner checks that every process Aloft started is gone afterwards.
    if (child.pid !== undefined && process.env.ALOFT_PID_LOG) {
      appendFileSync(process.env.ALOFT_PID_LOG, `${child.pid} aloft build child\n`);
    }
  });
}

/**
 * Builds a guest into a component (TypeScript with componentize-js, AssemblyScript with asc
 * and the SDK's canonical ABI glue), in a child process. With `cacheDir`, the result is kept as
 * `<cacheDir>/<key>.wasm` and reused while the inputs are unchanged.
 *
 * @example
 * const { component } = await buildComponent({ entry: 'hello/index.ts', cacheDir: '.cache/components' });
 */
export async function buildComponent(options: BuildOptions): Promise<BuildResult> {
  const entry = path.resolve(options.entry);
  let source: string;
  try {
    source = await readFile(entry, 'utf8');
  } catch (err) {
    throw new BuildError(
      `cannot read ${options.entry}: ${(err as Error).message}`,
      options.entry,
      err,
    );
  }
  const lang = options.lang ?? detectLanguage(source);
  const extra =
    lang === 'as'
      ? [platformPaths.witDir, platformPaths.asSdk]
      : [platformPaths.witDir, path.join(platformPaths.asSdk, '../typescript')];
  const key = await buildKey(lang, path.dirname(entry), extra);
  const cached = options.cacheDir ? path.join(options.cacheDir, `${key}.wasm`) : undefined;
  const fromCache = async (): Promise<BuildResult | undefined> => {
    if (!cached || !(await stat(cached).catch(() => undefined))) return undefined;
    const component = new Uint8Array(await readFile(cached));
    if (options.outFile) await writeOut(options.outFile, component);
    return { component, lang, key, cached: true, path: options.outFile ?? cached };
  };
  const hit = await fromCache();
  if (hit) return hit;
  const dir = options.cacheDir ?? path.dirname(entry);
  await mkdir(dir, { recursive: true });
  // One build per key at a time across processes (test files run in parallel): the others wait
  // for its result instead of spending another ~0.9 GB and 10–30 s on the same component.
  const release = cached ? await acquireBuildLock(`${cached}.lock`) : undefined;
  const tmp = path.join(dir, `.build-${process.pid}-${Math.random().toString(36).slice(2)}.wasm`);
  try {
    const built = await fromCache();
    if (built) return built;
    await runChild(lang, entry, tmp);
    const component = new Uint8Array(await readFile(tmp));
    if (cached) await rename(tmp, cached);
    const out = options.outFile ?? (cached ? undefined : entry.replace(/\.ts$/, '.wasm'));
    if (out) await writeOut(out, component);
    return { component, lang, key, cached: false, path: out ?? cached };
  } finally {
    await rm(tmp, { force: true });
    await release?.();
  }
}

/**
 * Takes a cross-process lock (an atomically created directory); resolves with its release.
 * Polls while another process holds it (there is no event to wait on across processes); a lock
 * older than the longest build is taken over.
 */
async function acquireBuildLock(lock: string): Promise<() => Promise<void>> {
  const staleMs = 5 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      return () => rm(lock, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const since = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (since > staleMs) await rm(lock, { recursive: true, force: true });
      else await delay(200);
    }
  }
}

async function writeOut(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, bytes);
}

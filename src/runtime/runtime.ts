import { silentLogger, type Logger } from '../support/index.ts';
import { sha256Hex, validateComponent } from './analyze.ts';
import type { ArtifactCache } from './artifact-cache.ts';
import type { CapabilityHandler } from './capabilities.ts';
import { loadedComponent, type LoadedComponent } from './component.ts';
import { ComponentError } from './errors.ts';
import { InstancePool } from './instance/pool.ts';
import type { GlueModule } from './instance/guest.ts';
import { InlineRunner } from './instance/inline.ts';
import type { WorkerSpawner } from './instance/spawner.ts';
import { guardHostCalls } from './guard.ts';
import { Breaker } from './instance/throttle.ts';
import { TRANSPILER_ID, transpile, type Artifact } from './transpile.ts';
import { capMemory, capMemoryInPlace, MemoryCapTooSmall, WASM_PAGE } from './wasm/memory-cap.ts';
import { meterFuel } from './wasm/fuel.ts';

/** Per-component limits; every field has a default (see {@link DEFAULT_LIMITS}). */
export interface ComponentLimits {
  /** Linear-memory cap per memory of each instance, in bytes (rounded down to 64 KiB pages). */
  memoryLimitBytes: number;
  /** Default per-invocation deadline, queue wait included. */
  timeoutMs: number;
  /** Concurrent instances (one worker each) at most. */
  maxInstances: number;
  /** Instances started at load and kept while idle. */
  minInstances: number;
  /**
   * Instances that may start beyond `maxInstances` while instances wait on capability calls
   * (a guest blocked on a slow key-value write holds its instance but no CPU): so that other
   * work is not starved, at most `maxInstances` instances are ever not waiting. Each stops
   * after a second without work. 0 disables.
   */
  overflowInstances: number;
  /**
   * How long a capability call must have waited before its instance counts as waiting on I/O
   * for `overflowInstances`: a call that answers in a few ms is no reason to start an instance.
   */
  blockedAfterMs: number;
  /**
   * Invocations handed to a busy instance ahead of time, when every instance is busy and no
   * more may start (1 disables). Raises throughput 2–3× under load; an invocation waiting
   * behind a runaway one is moved to a fresh instance when the runaway is terminated.
   */
  pipelineDepth: number;
  /** Invocations that may wait in the queue; beyond that `COMPONENT_BUSY` at once. */
  maxQueue: number;
  /** Largest request, response or capability message, in bytes. */
  maxMessageBytes: number;
  /** Log lines one invocation may write; the rest are dropped (and counted). */
  maxLogLines: number;
  /**
   * How often a long invocation's CPU use is checked: one that keeps its thread busy has the
   * thread's priority lowered (Linux), so it cannot starve the host or other components. 0: off.
   */
  demoteCheckMs: number;
  /** Capability calls per second (beyond, they wait); an error reply counts 100. */
  capabilityCallsPerSecond: number;
  /** Capability calls allowed at once above the rate. */
  capabilityBurst: number;
  /** Of those, calls to other components (`lattice.call`) per second: they use others' capacity. */
  latticeCallsPerSecond: number;
  /** Log lines per second per instance and per component; the rest are dropped (and counted). */
  logLinesPerSecond: number;
  /**
   * Invocations in a row that end abnormally (trap, timeout, crash) before the component is
   * suspended (`COMPONENT_SUSPENDED`, retryable) for `suspendMs`, doubling up to `suspendMaxMs`
   * while it keeps failing; 0 never suspends.
   */
  suspendAfterFailures: number;
  suspendMs: number;
  suspendMaxMs: number;
  /**
   * Fuel an invocation may burn on the host's own thread (function entries + loop iterations +
   * KiB copied; 500,000 held the host thread ~4 ms on this project's machine) before it is
   * stopped and run in a worker instead; see `instance/inline.ts`. 0: every invocation runs in a
   * worker.
   */
  inlineFuel: number;
  /** An invocation that took longer than this (ms) on the host thread sends its operation to workers. */
  inlineMaxCallMs: number;
  /**
   * Components whose core modules are larger than this (bytes, together) always run in workers:
   * metering them costs too long at load (a 12 MB JavaScript engine: ~0.6 s), and their
   * invocations cost far more than a thread hop anyway.
   */
  inlineMaxModuleBytes: number;
}

export const DEFAULT_LIMITS: ComponentLimits = {
  memoryLimitBytes: 128 * 1024 * 1024,
  timeoutMs: 10_000,
  maxInstances: 2,
  minInstances: 1,
  overflowInstances: 16,
  blockedAfterMs: 250,
  pipelineDepth: 4,
  maxQueue: 64,
  maxMessageBytes: 16 * 1024 * 1024,
  maxLogLines: 1000,
  demoteCheckMs: 50,
  capabilityCallsPerSecond: 20_000,
  capabilityBurst: 2_000,
  latticeCallsPerSecond: 2_000,
  logLinesPerSecond: 200,
  suspendAfterFailures: 3,
  suspendMs: 1000,
  suspendMaxMs: 30_000,
  inlineFuel: 500_000,
  inlineMaxCallMs: 0.5,
  inlineMaxModuleBytes: 2 * 1024 * 1024,
};

/** Platform seams plus the host's capabilities: what {@link createRuntimeCore} needs. */
export interface RuntimeCoreOptions {
  capabilities: CapabilityHandler;
  cache: ArtifactCache;
  /** Starts instance workers; closed with the runtime. */
  spawner: WorkerSpawner;
  logger?: Logger;
  /** Defaults for every component, overridable per load. */
  limits?: Partial<ComponentLimits>;
  /** Hex SHA-256 of a component; default WebCrypto (Node's own hash is ~6× faster). */
  sha256?: (bytes: Uint8Array) => Promise<string>;
  /** Transpiles a component; default in the calling thread (Node: in a worker). */
  transpile?: (bytes: Uint8Array) => Promise<Artifact>;
  /**
   * Imports a glue module's source on the host thread, so that short invocations can run there
   * (`instance/inline.ts`); without it every invocation runs in a worker.
   */
  loadGlue?: (source: string) => Promise<GlueModule>;
}

export interface LoadOptions {
  /** The name capability calls and logs carry (e.g. the manifest's component name). */
  name: string;
  limits?: Partial<ComponentLimits>;
  /**
   * The component's hex SHA-256 when the caller already verified it (e.g. it fetched the bytes
   * by digest); saves hashing them again (~10 ms for a 12 MB TypeScript component).
   */
  sha256?: string;
  /**
   * Capability interfaces (short names) the component may call, e.g. from its signed claims.
   * Any other call fails with `CAPABILITY_NOT_CLAIMED` before it reaches the host (log lines
   * are dropped). Every capability when absent (an unsigned component in development).
   */
  allowedCapabilities?: readonly string[];
}

/** Loads components and runs them in isolated instances. */
export interface Runtime {
  /**
   * Validates, transpiles (once per sha256, cached), compiles and starts a component; resolves
   * once one instance is ready. Throws `COMPONENT_*` errors for bad input.
   */
  load(bytes: Uint8Array, options: LoadOptions): Promise<LoadedComponent>;
  /** Components currently loaded. */
  components(): LoadedComponent[];
  /** Unloads every component. */
  close(): Promise<void>;
}

/**
 * The portable runtime: every platform-specific part (threads, cache storage) is injected.
 * On Node use `createRuntime` from `node/runtime.ts`.
 */
export function createRuntimeCore(options: RuntimeCoreOptions): Runtime {
  const logger = options.logger ?? silentLogger;
  const loaded = new Set<LoadedComponent>();
  const transpiling = new Map<string, Promise<Artifact>>();
  const declaredMaxima = new WeakMap<Uint8Array, number[]>();
  let closed = false;

  const artifactFor = (sha: string, bytes: Uint8Array): Promise<Artifact> => {
    const key = `${sha}-${TRANSPILER_ID}`;
    let pending = transpiling.get(key);
    if (!pending) {
      pending = (async () => {
        const hit = await options.cache.get(key);
        if (hit) return hit;
        const t0 = performance.now();
        let artifact: Artifact;
        try {
          artifact = await (options.transpile ?? transpile)(bytes);
        } catch (err) {
          throw new ComponentError(
            'COMPONENT_INVALID',
            `cannot transpile component: ${String(err)}`,
            { cause: err },
          );
        }
        logger.info('component transpiled', {
          sha256: sha,
          ms: Math.round(performance.now() - t0),
        });
        await options.cache.put(key, artifact);
        return artifact;
      })();
      transpiling.set(key, pending);
      pending.then(
        () => transpiling.delete(key),
        () => transpiling.delete(key),
      );
    }
    return pending;
  };

  /** Compiled modules per (sha256, memory cap), shared by every load of them while any is loaded. */
  const compiled = new Map<
    string,
    { modules: Promise<Record<string, WebAssembly.Module>>; users: number }
  >();
  const compiledFor = async (
    key: string,
    artifact: Artifact,
    capPages: number,
    metered: Record<string, Uint8Array> | undefined,
  ): Promise<Record<string, WebAssembly.Module>> => {
    let entry = compiled.get(key);
    if (!entry) {
      entry = { modules: compileArtifact(metered ?? artifact.modules, capPages), users: 0 };
      compiled.set(key, entry);
      entry.modules.catch(() => compiled.delete(key));
    }
    entry.users++;
    try {
      return await entry.modules;
    } catch (err) {
      entry.users--;
      throw err;
    }
  };
  const releaseCompiled = (key: string): void => {
    const entry = compiled.get(key);
    if (entry && --entry.users <= 0) compiled.delete(key);
  };
  const compileArtifact = async (
    sources: Record<string, Uint8Array>,
    capPages: number,
  ): Promise<Record<string, WebAssembly.Module>> => {
    const modules: Record<string, WebAssembly.Module> = {};
    try {
      await Promise.all(
        Object.entries(sources).map(async ([file, code]) => {
          // Patch in place and compile in one synchronous step (compile copies the bytes).
          const capped = capMemoryInPlace(code, capPages, declaredMaxima)
            ? code
            : capMemory(code, capPages);
          modules[file] = await WebAssembly.compile(capped);
        }),
      );
    } catch (err) {
      if (err instanceof MemoryCapTooSmall) {
        throw new ComponentError('COMPONENT_INVALID', `memory limit too small: ${err.message}`, {
          hint: `raise memoryLimitBytes above ${err.initialPages * WASM_PAGE}`,
        });
      }
      throw new ComponentError('COMPONENT_INVALID', `cannot compile component: ${String(err)}`, {
        cause: err,
      });
    }
    return modules;
  };

  /** Fuel-metered copies of an artifact's modules, made once; null when one cannot be metered. */
  const meteredModules = new WeakMap<Artifact, Record<string, Uint8Array> | null>();
  const meteredFor = (
    artifact: Artifact,
    limits: ComponentLimits,
  ): Record<string, Uint8Array> | undefined => {
    if (!options.loadGlue || limits.inlineFuel <= 0) return undefined;
    const size = Object.values(artifact.modules).reduce((n, m) => n + m.length, 0);
    if (size > limits.inlineMaxModuleBytes) return undefined;
    let metered = meteredModules.get(artifact);
    if (metered === undefined) {
      const out: Record<string, Uint8Array> = {};
      metered = out;
      for (const [file, code] of Object.entries(artifact.modules)) {
        const m = meterFuel(code);
        if (!m) {
          metered = null;
          break;
        }
        out[file] = m;
      }
      meteredModules.set(artifact, metered);
    }
    return metered ?? undefined;
  };
  const glues = new Map<string, Promise<GlueModule>>();
  const glueFor = (source: string): Promise<GlueModule> | undefined => {
    if (!options.loadGlue) return undefined;
    let glue = glues.get(source);
    if (!glue) {
      glue = options.loadGlue(source);
      glues.set(source, glue);
      glue.catch(() => glues.delete(source));
    }
    return glue;
  };

  return {
    async load(bytes, loadOptions) {
      if (closed) throw new ComponentError('COMPONENT_UNLOADED', 'the runtime is closed');
      const limits = { ...DEFAULT_LIMITS, ...options.limits, ...loadOptions.limits };
      const t0 = performance.now();
      const check = validateComponent(bytes);
      const sha256 = loadOptions.sha256 ?? (await (options.sha256 ?? sha256Hex)(bytes));
      const artifact = await artifactFor(sha256, bytes);
      const t1 = performance.now();
      const capPages = Math.floor(limits.memoryLimitBytes / WASM_PAGE);
      const metered = meteredFor(artifact, limits);
      const compiledKey = `${sha256}:${capPages}:${metered ? 'metered' : 'plain'}`;
      const modules = await compiledFor(compiledKey, artifact, capPages, metered);
      const t2 = performance.now();
      const log = logger.child({ component: loadOptions.name });
      const allowed = loadOptions.allowedCapabilities
        ? new Set(loadOptions.allowedCapabilities)
        : undefined;
      const guard = guardHostCalls({
        name: loadOptions.name,
        allowed,
        limits,
        capabilities: options.capabilities,
        logger: log,
      });
      const init = {
        glue: artifact.glue,
        modules,
        imports: artifact.imports,
        memoryLimitBytes: capPages * WASM_PAGE,
        maxMessageBytes: limits.maxMessageBytes,
        maxLogLines: limits.maxLogLines,
        logLinesPerSecond: limits.logLinesPerSecond,
        ...(allowed ? { allowedCapabilities: [...allowed] } : {}),
      };
      const breaker = new Breaker({
        threshold: limits.suspendAfterFailures,
        baseMs: limits.suspendMs,
        maxMs: limits.suspendMaxMs,
      });
      const pool = new InstancePool({
        init,
        demoteCheckMs: limits.demoteCheckMs,
        killAfterMs: limits.timeoutMs,
        breaker,
        spawner: options.spawner,
        maxInstances: limits.maxInstances,
        minInstances: limits.minInstances,
        overflowInstances: Math.max(0, limits.overflowInstances),
        blockedAfterMs: Math.max(0, limits.blockedAfterMs),
        pipelineDepth: Math.max(1, limits.pipelineDepth),
        maxQueue: limits.maxQueue,
        maxMessageBytes: limits.maxMessageBytes,
        logger: log,
        onHostCall: guard.onHostCall,
      });
      const glue = metered ? glueFor(artifact.glue) : undefined;
      let inline: InlineRunner | undefined;
      try {
        await pool.warm();
        if (glue) {
          inline = new InlineRunner({
            init,
            instantiate: (await glue).instantiate,
            budget: BigInt(limits.inlineFuel),
            maxCallMs: limits.inlineMaxCallMs,
            breaker,
            onHostCall: guard.onHostCall,
            logger: log,
            timeoutMs: limits.timeoutMs,
          });
        }
      } catch (err) {
        releaseCompiled(compiledKey);
        await pool.close();
        throw err;
      }
      const component = loadedComponent({
        name: loadOptions.name,
        sha256,
        handlers: check.handlers,
        capabilities: check.capabilities,
        pool,
        ...(inline ? { inline } : {}),
        guard: guard.counters,
        timeoutMs: limits.timeoutMs,
        onUnload: () => {
          if (loaded.delete(component)) releaseCompiled(compiledKey);
        },
      });
      loaded.add(component);
      const ms = (t: number): number => Math.round(t * 10) / 10;
      log.debug('component loaded', {
        sha256,
        handlers: check.handlers,
        ms: { artifact: ms(t1 - t0), compile: ms(t2 - t1), instance: ms(performance.now() - t2) },
      });
      return component;
    },
    components: () => [...loaded],
    async close() {
      closed = true;
      await Promise.all([...loaded].map((c) => c.unload()));
      await options.spawner.close();
    },
  };
}

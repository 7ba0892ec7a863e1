import type { Value } from '../codec.ts';
import type { HttpRequest } from '../types.ts';
import { serveIncoming } from '../wasi/http.ts';
import { wasiImports } from '../wasi/host.ts';
import { FUEL_EXPORT } from '../wasm/fuel.ts';
import { TokenBucket } from './throttle.ts';
import {
  interfaceShortName,
  witName,
  type CarriesLogs,
  type ErrorRecord,
  type HostCallReply,
  type HostCallRequest,
  type InvokeRequest,
  type InvokeResponse,
  type WorkerInit,
} from '../protocol.ts';

/** What the jco glue module exports in sync instantiation mode. */
export interface GlueModule {
  instantiate: Instantiate;
}

export type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, Record<string, (...args: Value[]) => Value>>,
  instantiateCore?: (
    module: WebAssembly.Module,
    imports?: Record<string, Record<string, unknown>>,
  ) => WebAssembly.Instance,
) => Record<string, Record<string, (...args: Value[]) => Value>>;

/** What a guest needs to instantiate: the worker's init without its channel. */
export type GuestInit = Omit<WorkerInit, 'channel'>;

const MiB = 1024 * 1024;

/** Sizes of an instance's memories, for trap messages: "linear memory 95.9 of 96 MiB cap". */
function memoryNote(memories: { buffer: ArrayBuffer }[], cap: number): string {
  if (memories.length === 0) return '';
  const largest = Math.max(...memories.map((m) => m.buffer.byteLength));
  return ` (linear memory ${(largest / MiB).toFixed(1)} of ${(cap / MiB).toFixed(0)} MiB cap)`;
}

/** Thrown into the guest's bindings for an `err` capability result (jco reads `payload`). */
class CapabilityFailure extends Error {
  readonly payload: ErrorRecord;
  constructor(payload: ErrorRecord) {
    super(`${payload.code}: ${payload.message}`);
    this.payload = payload;
  }
}

function isErrorRecord(v: unknown): v is ErrorRecord {
  return typeof v === 'object' && v !== null && typeof (v as ErrorRecord).code === 'string';
}

/** How one invocation ended, and whether the instance must be replaced before the next. */
export interface GuestOutcome {
  response: InvokeResponse & CarriesLogs;
  /** The instance is in an unknown state (a trap) or used up (a wasi:http request). */
  poisoned: boolean;
}

/** One component instance and the code around it that a worker and the host thread share. */
export interface Guest {
  /** Replaces the instance with a fresh one; returns how long that took (ms). */
  fresh(): number;
  /** Runs one invocation on the current instance. */
  run(req: InvokeRequest): GuestOutcome;
  /** Drops the log lines buffered so far (an invocation that will run again elsewhere). */
  dropLogs(): void;
  /** The fuel globals of the current instance's metered core modules (see `wasm/fuel.ts`). */
  readonly fuel: readonly WebAssembly.Global[];
}

/**
 * Builds a guest: the component's imports (capabilities through `callHost`, WASI shims, logging
 * buffered into the next host call or response), instantiation, and the mapping of what an
 * export returns or throws to an {@link InvokeResponse}. No instance exists before `fresh()`.
 */
export function createGuest(
  init: GuestInit,
  instantiate: Instantiate,
  callHost: (call: HostCallRequest) => HostCallReply,
): Guest {
  const allowed = init.allowedCapabilities ? new Set(init.allowedCapabilities) : undefined;
  const maxLogLines = init.maxLogLines ?? 1000;
  // Lines over the rate are dropped here, so a log flood costs the host nothing.
  const lineRate = init.logLinesPerSecond ?? 1000;
  const lines = new TokenBucket(lineRate, lineRate, performance.now());
  let logs: Value[][] = [];
  let droppedLogs = 0;
  const takeLogs = (): { logs?: Value[][] } => {
    if (droppedLogs > 0) {
      logs.push([
        3,
        'aloft',
        `${droppedLogs} log lines dropped: over ${maxLogLines} in one invocation or ${lineRate} per second`,
      ]);
      droppedLogs = 0;
    }
    if (logs.length === 0) return {};
    const out = logs;
    logs = [];
    return { logs: out };
  };
  const pushLog = (args: Value[]): void => {
    if (logs.length < maxLogLines && lines.tryTake(performance.now())) logs.push(args);
    else droppedLogs++;
  };
  const hostCall = (iface: string, fn: string, args: Value[]): Value => {
    if (allowed && !allowed.has(iface)) {
      // Refused here, without a round trip: a guest looping on it burns only its own thread.
      if (iface === 'logging') return undefined;
      throw new CapabilityFailure({
        code: 'CAPABILITY_NOT_CLAIMED',
        message: `this component may not use ${iface}: its claims allow ${[...allowed].join(', ') || 'no capability'}`,
      });
    }
    if (iface === 'logging' && fn === 'log') {
      pushLog(args);
      return undefined;
    }
    const reply = callHost({ iface, fn, args, ...takeLogs() });
    if ('ok' in reply) return reply.ok;
    throw new CapabilityFailure(reply.err);
  };
  const imports: Record<string, Record<string, (...args: Value[]) => Value>> = {};
  // WASI 0.2 for components built for other platforms; stdout/stderr lines become log lines.
  const wasi = wasiImports((level, context, text) => pushLog([level, context, text]));
  for (const specifier of init.imports) {
    if (specifier.startsWith('wasi:')) {
      const shim = wasi[specifier.replace(/@.*$/, '')];
      if (!shim) throw new Error(`unsupported WASI import ${specifier}`);
      imports[specifier] = shim as Record<string, (...args: Value[]) => Value>;
      continue;
    }
    const iface = interfaceShortName(specifier);
    imports[specifier] = new Proxy(
      {},
      {
        get: (_target, name) => {
          const fn = witName(String(name));
          return (...args: Value[]) => hostCall(iface, fn, args);
        },
      },
    );
  }

  let instance: ReturnType<Instantiate> | undefined;
  let memories: { buffer: ArrayBuffer }[] = [];
  let fuel: WebAssembly.Global[] = [];
  const fresh = (): number => {
    const t0 = performance.now();
    memories = [];
    fuel = [];
    instance = instantiate(
      (name) => {
        const m = init.modules[name];
        if (!m) throw new Error(`core module ${name} missing`);
        return m;
      },
      imports,
      (module, coreImports) => {
        const core = new WebAssembly.Instance(module, coreImports);
        for (const [name, value] of Object.entries(core.exports)) {
          if (value instanceof WebAssembly.Memory) memories.push(value);
          else if (name === FUEL_EXPORT && value instanceof WebAssembly.Global) fuel.push(value);
        }
        return core;
      },
    );
    return performance.now() - t0;
  };

  const run = (req: InvokeRequest): GuestOutcome => {
    if (!instance) throw new Error('no instance: call fresh() first');
    let res: InvokeResponse;
    let poisoned = false;
    let target = instance[req.iface]?.[req.fn];
    const incoming = instance.incomingHandler?.handle;
    if (target === undefined && req.iface === 'httpHandler' && typeof incoming === 'function') {
      // A wasi:http/incoming-handler component: the request goes in as wasi:http resources.
      // The wasi:http proxy world gives every request a fresh instance (StarlingMonkey, for one,
      // serves a single fetch event per instance): this one is replaced after answering.
      poisoned = true;
      const handle = incoming as unknown as Parameters<typeof serveIncoming>[0];
      target = (request: Value) =>
        serveIncoming(
          handle,
          request as unknown as HttpRequest,
          init.maxMessageBytes,
        ) as unknown as Value;
    }
    if (typeof target !== 'function') {
      res = { missing: `${req.iface}.${req.fn}` };
    } else {
      try {
        res = { ok: target(...req.args) };
      } catch (err) {
        const payload = (err as { payload?: unknown } | null)?.payload;
        if (isErrorRecord(payload)) {
          res = { err: { code: payload.code, message: String(payload.message) } };
        } else {
          poisoned = true;
          const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          res = { trap: what + memoryNote(memories, init.memoryLimitBytes) };
        }
      }
    }
    return { response: { ...res, ...takeLogs() }, poisoned };
  };

  return {
    fresh,
    run,
    dropLogs: () => {
      logs = [];
      droppedLogs = 0;
    },
    get fuel() {
      return fuel;
    },
  };
}

import type { ChannelBuffers } from './channel.ts';
import type { Value } from './codec.ts';

/**
 * Messages on the request channel, as codec values. Portable and pure (types and tiny helpers).
 */

/** An invocation of one exported function: `exports[iface][fn](...args)` in jco's bindings. */
export interface InvokeRequest {
  /** jco's export name of the interface, e.g. `httpHandler`. */
  iface: string;
  /** jco's function name, e.g. `handle`. */
  fn: string;
  args: Value[];
}

/** The guest's `error` record. */
export interface ErrorRecord {
  code: string;
  message: string;
}

/**
 * `logging.log` calls are not round trips: the worker buffers their arguments and sends them
 * ahead of its next host call or response, which the host delivers first (order is kept).
 */
export interface CarriesLogs {
  logs?: Value[][];
}

/** How an invocation ended, as told by the worker. */
export type InvokeResponse =
  | { ok: Value }
  /** The guest returned `err(error)`. */
  | { err: ErrorRecord }
  /** The guest trapped or the bindings threw; the worker has replaced the instance. */
  | { trap: string }
  /** The instance does not export `iface.fn`. */
  | { missing: string };

/** A call from the guest to a capability. `iface` is the short WIT name, `fn` the WIT name. */
export interface HostCallRequest extends CarriesLogs {
  iface: string;
  fn: string;
  args: Value[];
}

export type HostCallReply = { ok: Value } | { err: ErrorRecord };

/** Sent once to a new worker (by postMessage): everything it needs to instantiate. */
export interface WorkerInit {
  /** The jco glue, an ES module exporting `instantiate` (sync instantiation mode). */
  glue: string;
  /** Compiled core modules by file name, shared with every worker of the component. */
  modules: Record<string, WebAssembly.Module>;
  /** Import specifiers the glue reads from its `imports` object. */
  imports: string[];
  channel: ChannelBuffers;
  /** The linear-memory cap, to say in a trap message whether the guest hit it. */
  memoryLimitBytes: number;
  /** Largest message on the channel (also the largest body a wasi:http response may write). */
  maxMessageBytes: number;
  /**
   * Capability interfaces (short names) the component may call (its claims); calls to others
   * fail inside the worker, without a round trip to the host. All when absent.
   */
  allowedCapabilities?: string[];
  /** Log lines kept per invocation; the rest are dropped and counted in one closing line. */
  maxLogLines?: number;
  /** Log lines per second this worker sends at most; the rest are dropped here and counted. */
  logLinesPerSecond?: number;
}

/** What a new worker posts back once, after its first instantiation (or failure). */
export type WorkerReady =
  | {
      ready: true;
      instantiateMs: number;
      /** The worker thread's OS thread id, where the platform has one (Linux). */
      tid?: number;
    }
  | { ready: false; error: string };

/** `listKeys` → `list-keys`: jco's camelCase function names back to WIT names. */
export function witName(jsName: string): string {
  return jsName.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** `aloft:platform/keyvalue@0.1.0` or `aloft:platform/keyvalue` → `keyvalue`. */
export function interfaceShortName(specifier: string): string {
  const slash = specifier.lastIndexOf('/');
  const at = specifier.indexOf('@', slash);
  return specifier.slice(slash + 1, at === -1 ? undefined : at);
}

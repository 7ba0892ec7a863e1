import { AloftError, type Logger } from '../support/index.ts';
import type { CapabilityCall, CapabilityHandler } from './capabilities.ts';
import type { Value } from './codec.ts';

/** One log line a guest wrote. */
export interface GuestLogLine {
  component: string;
  level: string;
  context: string;
  message: string;
}

/** An in-memory implementation of the capabilities, for tests, benchmarks and `aloft` dev use. */
export interface MemoryCapabilities {
  handler: CapabilityHandler;
  /** bucket → key → value. */
  buckets: Map<string, Map<string, Uint8Array>>;
  /** container → object name → stored object. */
  blobs: Map<string, Map<string, { data: Uint8Array; modified: string }>>;
  /** Every log line, in order. */
  logs: GuestLogLine[];
  /** Every call, in order (interface, function, component). */
  calls: Pick<CapabilityCall, 'component' | 'interface' | 'function'>[];
}

function asString(v: Value): string {
  if (typeof v !== 'string') throw new TypeError(`expected a string, got ${typeof v}`);
  return v;
}

const equalBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === b ||
  (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));

/**
 * Key-value, blobs, config and logging in memory; `messaging`, `outgoing-http` and `lattice` go to
 * `forward` when given, else fail with `CAPABILITY_UNAVAILABLE`.
 */
export function memoryCapabilities(
  options: {
    config?: Record<string, string>;
    logger?: Logger;
    forward?: CapabilityHandler;
  } = {},
): MemoryCapabilities {
  const buckets = new Map<string, Map<string, Uint8Array>>();
  const logs: GuestLogLine[] = [];
  const calls: MemoryCapabilities['calls'] = [];
  const config = options.config ?? {};
  const bucket = (name: Value): Map<string, Uint8Array> => {
    const key = asString(name);
    let b = buckets.get(key);
    if (!b) {
      b = new Map<string, Uint8Array>();
      buckets.set(key, b);
    }
    return b;
  };
  const keyvalue = (fn: string, args: Value[]): Value => {
    const b = bucket(args[0]);
    if (fn === 'list-keys') return { keys: [...b.keys()].sort(), cursor: undefined };
    const k = asString(args[1]);
    switch (fn) {
      case 'get':
        return b.get(k);
      case 'set':
        b.set(k, args[2] as Uint8Array);
        return undefined;
      case 'delete':
        b.delete(k);
        return undefined;
      case 'exists':
        return b.has(k);
      case 'increment': {
        const current = b.get(k);
        const n =
          BigInt(current ? new TextDecoder().decode(current) || '0' : '0') +
          BigInt(args[2] as bigint);
        b.set(k, new TextEncoder().encode(n.toString()));
        return n;
      }
      case 'compare-and-swap': {
        if (!equalBytes(b.get(k), args[2] as Uint8Array | undefined)) return false;
        b.set(k, args[3] as Uint8Array);
        return true;
      }
      default:
        throw new AloftError('CAPABILITY_UNKNOWN_FUNCTION', `keyvalue.${fn}`);
    }
  };
  const blobs: MemoryCapabilities['blobs'] = new Map();
  const blobstore = async (fn: string, args: Value[]): Promise<Value> => {
    const name = asString(args[0]);
    let c = blobs.get(name);
    if (!c) {
      c = new Map<string, { data: Uint8Array; modified: string }>();
      blobs.set(name, c);
    }
    if (fn === 'list') return { names: [...c.keys()].sort(), cursor: undefined };
    const key = asString(args[1]);
    const entry = c.get(key);
    switch (fn) {
      case 'put':
        c.set(key, { data: args[2] as Uint8Array, modified: new Date().toISOString() });
        return undefined;
      case 'get':
        return entry?.data;
      case 'exists':
        return entry !== undefined;
      case 'delete':
        c.delete(key);
        return undefined;
      case 'info': {
        if (!entry) return undefined;
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', entry.data));
        const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
        const size = BigInt(entry.data.length);
        return { name: key, size, digest: `sha256:${hex}`, modified: entry.modified };
      }
      default:
        throw new AloftError('CAPABILITY_UNKNOWN_FUNCTION', `blobstore.${fn}`);
    }
  };
  const handler: CapabilityHandler = (call) => {
    calls.push({ component: call.component, interface: call.interface, function: call.function });
    switch (call.interface) {
      case 'keyvalue':
        return Promise.resolve(keyvalue(call.function, call.args));
      case 'config':
        return Promise.resolve(
          call.function === 'get' ? config[asString(call.args[0])] : Object.entries(config),
        );
      case 'logging': {
        const [level, context, message] = call.args.map(asString) as [string, string, string];
        logs.push({ component: call.component, level, context, message });
        options.logger?.info(message, { component: call.component, guestLevel: level, context });
        return Promise.resolve(undefined);
      }
      case 'blobstore':
        return blobstore(call.function, call.args);
      case 'messaging':
      case 'outgoing-http':
      case 'lattice':
        if (options.forward) return options.forward(call);
        return Promise.reject(
          new AloftError('CAPABILITY_UNAVAILABLE', `${call.interface} is not available here`),
        );
    }
  };
  return { handler, buckets, blobs, logs, calls };
}

import type { Value } from './codec.ts';
import type { CapabilityInterface } from './world.ts';

/** What a capability call knows about the invocation it belongs to. */
export interface InvocationContext {
  /** Monotonic time (ms, `performance.now()` scale) by which the invocation must finish. */
  deadline: number;
  /** Aborts when the invocation times out (its worker is being terminated) or is unloaded. */
  signal: AbortSignal;
  /** Metadata the invoker attached (trace ids, link names, tenant...). */
  metadata: Readonly<Record<string, string>>;
}

/**
 * One synchronous-for-the-guest call to a capability, e.g.
 * `{ interface: 'keyvalue', function: 'get', args: ['bucket', 'key'] }`.
 *
 * Arguments and results use jco's JavaScript mapping of the WIT types (see `types.ts`):
 * `list<u8>` is a Uint8Array, `option<T>` is T or undefined, `s64` a bigint, records are objects
 * with camelCase fields, `result<T, error>` is T (throw to return the error).
 */
export interface CapabilityCall {
  /** The name the component was loaded under. */
  component: string;
  interface: CapabilityInterface;
  /** The WIT function name (`get`, `list-keys`, `compare-and-swap`...). */
  function: string;
  args: Value[];
  context: InvocationContext;
}

/**
 * The host's implementation of every capability, injected into the runtime. Resolve with the
 * function's ok value; throw an error with a string `code` (e.g. an `AloftError`) to return
 * `err({code, message})` to the guest. `logging.log` should not throw.
 *
 * @example
 * const capabilities: CapabilityHandler = async (call) => {
 *   if (call.interface === 'config' && call.function === 'get') return config.get(String(call.args[0]));
 *   throw new AloftError('CAPABILITY_UNAVAILABLE', `${call.interface}.${call.function}`);
 * };
 */
export type CapabilityHandler = (call: CapabilityCall) => Promise<Value>;

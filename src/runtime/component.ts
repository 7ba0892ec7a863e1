import type { Value } from './codec.ts';
import type { GuardCounters } from './guard.ts';
import { ComponentError, GuestError } from './errors.ts';
import type { InlineCounters, InlineRunner } from './instance/inline.ts';
import type { InstancePool, PoolStats } from './instance/pool.ts';
import type { InvokeRequest } from './protocol.ts';
import type { HttpRequest, HttpResponse, Message } from './types.ts';
import type { CapabilityInterface, HandlerInterface } from './world.ts';

/** A component's counters: its pool's, the host thread's and what the host-call guard held back. */
export type ComponentStats = PoolStats & GuardCounters & InlineCounters;

/** Per-invocation options. */
export interface InvokeOptions {
  /** Deadline for this invocation in ms (queue wait included); defaults to the component's. */
  timeoutMs?: number;
  /** Passed to every capability call of this invocation (`context.metadata`). */
  metadata?: Readonly<Record<string, string>>;
}

/** A component loaded into a runtime: its handlers, callable from the host. */
export interface LoadedComponent {
  readonly name: string;
  readonly sha256: string;
  /** Handlers it exports. */
  readonly handlers: readonly HandlerInterface[];
  /** Capabilities it imports. */
  readonly capabilities: readonly CapabilityInterface[];
  /** Calls `http-handler.handle`. */
  handleHttp(request: HttpRequest, options?: InvokeOptions): Promise<HttpResponse>;
  /** Calls `message-handler.handle-message`; a guest `err` rejects with a {@link GuestError}. */
  handleMessage(message: Message, options?: InvokeOptions): Promise<void>;
  /** Calls `operation.call`; a guest `err` rejects with a {@link GuestError}. */
  call(operation: string, payload: Uint8Array, options?: InvokeOptions): Promise<Uint8Array>;
  stats(): ComponentStats;
  /** Invocations waiting for an instance: `stats().queued`, without building the rest. */
  queued(): number;
  /** Rejects in-flight invocations with `COMPONENT_UNLOADED` and stops every instance. */
  unload(): Promise<void>;
}

const exportOf: Record<HandlerInterface, [iface: string, fn: string]> = {
  'http-handler': ['httpHandler', 'handle'],
  'message-handler': ['messageHandler', 'handleMessage'],
  operation: ['operation', 'call'],
};

/** Wraps a pool as a {@link LoadedComponent}, mapping worker responses to values or errors. */
export function loadedComponent(spec: {
  name: string;
  sha256: string;
  handlers: HandlerInterface[];
  capabilities: CapabilityInterface[];
  pool: InstancePool;
  /** Tried first for every invocation, when the component can run on the host thread. */
  inline?: InlineRunner;
  /** What the host-call guard held back, merged into `stats()`. */
  guard?: GuardCounters;
  timeoutMs: number;
  onUnload: () => void;
}): LoadedComponent {
  let closed = false;
  const invoke = async (
    handler: HandlerInterface,
    args: Value[],
    options: InvokeOptions = {},
  ): Promise<Value> => {
    if (!spec.handlers.includes(handler)) {
      throw new ComponentError(
        'COMPONENT_NO_HANDLER',
        `component ${spec.name} does not export ${handler}`,
      );
    }
    const [iface, fn] = exportOf[handler];
    const req: InvokeRequest = { iface, fn, args };
    const quick = closed ? undefined : spec.inline?.tryRun(req, options.metadata);
    const res =
      quick ?? (await spec.pool.invoke(req, options.timeoutMs ?? spec.timeoutMs, options.metadata));
    if ('ok' in res) return res.ok;
    if ('err' in res) throw new GuestError(res.err.code, res.err.message);
    if ('trap' in res) {
      throw new ComponentError('COMPONENT_TRAP', `component ${spec.name} trapped: ${res.trap}`);
    }
    throw new ComponentError(
      'COMPONENT_NO_HANDLER',
      `component ${spec.name} has no ${res.missing}`,
    );
  };
  return {
    name: spec.name,
    sha256: spec.sha256,
    handlers: spec.handlers,
    capabilities: spec.capabilities,
    handleHttp: (request, options) =>
      invoke(
        'http-handler',
        [request as unknown as Value],
        options,
      ) as unknown as Promise<HttpResponse>,
    handleMessage: async (message, options) => {
      await invoke('message-handler', [message as unknown as Value], options);
    },
    call: async (operation, payload, options) => {
      const out = await invoke('operation', [operation, payload], options);
      if (!(out instanceof Uint8Array))
        throw new ComponentError('COMPONENT_TRAP', 'operation returned no bytes');
      return out;
    },
    queued: () => spec.pool.queued,
    stats: () => ({
      ...spec.pool.stats(),
      ...(spec.inline?.counters ?? { inlineCalls: 0, inlineFallbacks: 0 }),
      ...(spec.guard ?? { throttledCalls: 0, droppedLogLines: 0, refusedUnclaimed: 0 }),
    }),
    unload: async () => {
      closed = true;
      spec.onUnload();
      await spec.pool.close();
    },
  };
}

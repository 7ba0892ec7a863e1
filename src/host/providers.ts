import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { serveCapability, type CapabilityCall } from '../lattice/index.ts';
import type { Logger } from '../support/index.ts';
import type { ProviderInstance } from '../providers/index.ts';
import { readTraceContext } from '../telemetry/index.ts';
import type { HostInstruments } from './instrument.ts';

// The provider model (call, context, instance, factory) is the providers module's; the host
// implements the context and keeps the running instances.
export type {
  ProviderCall,
  ProviderContext,
  ProviderFactory,
  ProviderInstance,
} from '../providers/index.ts';
/** A provider placed on this host under a name. */
export interface RunningProvider {
  name: string;
  kind: string;
  /** The reference the deployment named it by (the kind when started by hand). */
  ref: string;
  app: string | undefined;
  version: string | undefined;
  config: Record<string, string>;
  instance: ProviderInstance;
  startedAt: string;
  subs: Subscription[];
}

/**
 * Serves a provider to components on other hosts: `cap.<name>.<hostId>` and the queue group
 * `cap.<name>.any`. Calls arrive in the JSON wire form (docs/providers.md).
 */
export function serveProvider(
  nc: NatsConnection,
  lattice: string,
  hostId: string,
  p: RunningProvider,
  logger: Logger,
  instruments: HostInstruments,
  /** The link config the provider sees (secrets opened); may throw to refuse the call. */
  linkConfig: (call: CapabilityCall) => Record<string, string> = (call) => call.link.config,
  /** Removes secret values from an error before it is sent back. */
  redactError: (err: unknown) => unknown = (err) => err,
): void {
  const handler = async (
    call: CapabilityCall,
    request: { header(name: string): string | undefined },
  ): Promise<unknown> => {
    try {
      const config = linkConfig(call);
      return await instruments.provider(
        {
          provider: p.name,
          interface: call.interface,
          function: call.function,
          component: call.component,
        },
        readTraceContext((h) => request.header(h)),
        true,
        (trace) =>
          p.instance.handle({
            component: call.component,
            interface: call.interface,
            function: call.function,
            args: call.args,
            linkConfig: config,
            ...(trace ? { trace } : {}),
          }),
      );
    } catch (err) {
      throw redactError(err);
    }
  };
  p.subs.push(...serveCapability(nc, lattice, p.name, handler, { hostId, logger }));
}

/**
 * Whether a link declared for `linkInterface` binds a component's `callInterface` import. Links
 * may name Aloft's interface (`aloft:platform/keyvalue`, `keyvalue`) or the WASI / wasmCloud
 * package a wadm manifest uses (`wasi:keyvalue/store`, `wasmcloud:messaging/consumer`,
 * `wasi:http/outgoing-handler`).
 */
export function linkServes(linkInterface: string, callInterface: string): boolean {
  const m = /^(?:([a-z0-9-]+):([a-z0-9-]+)\/)?([a-z0-9-]+)(?:@.*)?$/.exec(linkInterface);
  if (!m) return false;
  const [, , pkg, iface] = m;
  if (iface === callInterface || pkg === callInterface) return true;
  return callInterface === 'outgoing-http' && pkg === 'http' && iface === 'outgoing-handler';
}

/** `aloft:platform/keyvalue@0.1.0` → `keyvalue`. */
export function shortInterface(name: string): string {
  return name.replace(/^[a-z0-9-]+:[a-z0-9-]+\//, '').replace(/@.*$/, '');
}

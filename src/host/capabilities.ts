import type { LatticeCaller, LatticeState, Link } from '../lattice/index.ts';
import { decodeCapabilityResult, encodeCapabilityCall } from '../lattice/index.ts';
import { readTraceContext, traceHeaders, type TraceContext } from '../telemetry/index.ts';
import type { HostInstruments } from './instrument.ts';
import { linkServes, type ProviderInstance, type RunningProvider } from './providers.ts';
import type { HostSecurity } from './security.ts';
import { redactedError } from './secrets.ts';
import type { CapabilityCall, CapabilityHandler, Value } from '../runtime/index.ts';
import { AloftError } from '../support/index.ts';

/** Interfaces whose calls fall back to the host's built-in provider when there is no link. */
export type DefaultedInterface = 'logging' | 'config';

/**
 * The capabilities a host offers its components. Calls to other components (`lattice`) go over
 * the lattice directly. Every other interface is served by a provider through a link: in-process
 * when the provider runs on this host, else over NATS; each such call is counted and traced.
 * Without a link, `logging` and `config` use the host's built-in default providers (`defaults`),
 * and the rest fail with a message that names the command creating the link.
 */
export function hostCapabilities(ctx: {
  state: LatticeState;
  caller: () => LatticeCaller;
  /** Providers running on this host, by name. */
  providers: Map<string, RunningProvider>;
  /** The providers used for `logging` and `config` when a component has no link for them. */
  defaults: Readonly<Record<DefaultedInterface, ProviderInstance>>;
  instruments: HostInstruments;
  /**
   * Opens `secret:<name>` values: in a link's config for the provider serving it on this host,
   * and in config values for the component that reads them (config providers, wherever they run,
   * pass the references through; only the component's own host opens them).
   */
  security: Pick<HostSecurity, 'resolveSecrets' | 'redact'>;
}): CapabilityHandler {
  // The link serving (component, interface, link name): looked up in the lattice state once, and
  // again after any link changes (a capability call is the hot path; the state holds every link).
  const links = new Map<string, Link | null>();
  ctx.state.onChange((kind) => {
    if (kind === 'link') links.clear();
  });
  const linkFor = (component: string, iface: string, name: string): Link | undefined => {
    const key = `${component}\u0000${iface}\u0000${name}`;
    let link = links.get(key);
    if (link === undefined) {
      link =
        ctx.state
          .links()
          .find(
            (l) => l.source === component && linkServes(l.interface, iface) && l.name === name,
          ) ?? null;
      links.set(key, link);
    }
    return link ?? undefined;
  };
  const viaLink = async (
    call: CapabilityCall,
    link: Link,
    trace: TraceContext | undefined,
    span: { component: string; interface: string; function: string; target: string },
  ): Promise<Value> => {
    const local = ctx.providers.get(link.target);
    if (local) {
      try {
        return (await ctx.instruments.provider(
          { ...span, provider: link.target },
          trace,
          false,
          (served) =>
            local.instance.handle({
              component: call.component,
              interface: call.interface,
              function: call.function,
              args: call.args,
              // `secret:<name>` values opened for this provider, this call only.
              linkConfig: ctx.security.resolveSecrets(link.config),
              ...(call.context.metadata.traceparent
                ? { traceparent: call.context.metadata.traceparent }
                : {}),
              ...(served ? { trace: served } : {}),
            }),
        )) as Value;
      } catch (err) {
        throw redactedError(err, (t) => ctx.security.redact(t));
      }
    }
    const timeoutMs = Math.max(1, Math.floor(call.context.deadline - performance.now()));
    const reply = await ctx.caller().callProvider(
      link.target,
      encodeCapabilityCall({
        component: call.component,
        interface: call.interface,
        function: call.function,
        args: call.args,
        link: { name: link.name, config: link.config },
      }),
      {
        timeoutMs,
        idempotent: IDEMPOTENT.has(`${call.interface}.${call.function}`),
        ...(trace ? { headers: traceHeaders(trace) } : {}),
      },
    );
    return decodeCapabilityResult(reply) as Value;
  };

  const openConfig = (value: Value): Value => {
    if (typeof value === 'string') return ctx.security.resolveSecrets({ v: value }).v ?? value;
    if (Array.isArray(value)) {
      const pairs = value as [string, string][];
      const opened = ctx.security.resolveSecrets(Object.fromEntries(pairs));
      return pairs.map(([k]) => [k, opened[k] ?? '']);
    }
    return value;
  };
  const handler: CapabilityHandler = async (call) => {
    const parent = readTraceContext((k) => call.context.metadata[k]);
    if (call.interface === 'lattice') {
      const [component, operation, payload] = call.args as [string, string, Uint8Array];
      const timeoutMs = Math.max(1, Math.floor(call.context.deadline - performance.now()));
      return await ctx.instruments.capability(
        { component: call.component, interface: 'lattice', function: 'call', target: component },
        parent,
        (trace) =>
          ctx.caller().call(component, operation, payload, {
            timeoutMs,
            ...(trace ? { headers: traceHeaders(trace) } : {}),
          }),
      );
    }
    const link = linkFor(call.component, call.interface, call.context.metadata.link ?? 'default');
    if (!link && (call.interface === 'logging' || call.interface === 'config')) {
      // The documented default: the host's own logging-lattice / config-lattice instance.
      return (await ctx.defaults[call.interface].handle({
        component: call.component,
        interface: call.interface,
        function: call.function,
        args: call.args,
        linkConfig: {},
        ...(call.context.metadata.traceparent
          ? { traceparent: call.context.metadata.traceparent }
          : {}),
      })) as Value;
    }
    const span = { component: call.component, interface: call.interface, function: call.function };
    if (!link) {
      // Counted and traced like any failed capability call: it is the error users hit most.
      const missing = new AloftError(
        'LINK_MISSING',
        `${call.component} has no link for ${call.interface}; create one with: aloft link put ${call.component} <provider> --interface ${call.interface}`,
      );
      return await ctx.instruments.capability(span, parent, () => Promise.reject(missing));
    }
    const linked = { ...span, target: link.target };
    return await ctx.instruments.capability(linked, parent, (trace) =>
      viaLink(call, link, trace, linked),
    );
  };
  // Config values that refer to secrets are opened here, for the component that reads them.
  return async (call) => {
    const out = await handler(call);
    return call.interface === 'config' ? openConfig(out) : out;
  };
}

/** Capability functions that may run twice without harm, so a timed-out call may be retried. */
const IDEMPOTENT: ReadonlySet<string> = new Set([
  'keyvalue.get',
  'keyvalue.set',
  'keyvalue.delete',
  'keyvalue.exists',
  'keyvalue.list-keys',
  'blobstore.put',
  'blobstore.get',
  'blobstore.info',
  'blobstore.exists',
  'blobstore.delete',
  'blobstore.list',
  'config.get',
  'config.get-all',
]);

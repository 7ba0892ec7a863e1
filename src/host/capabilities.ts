import type { NatsConnection } from '@nats-io/nats-core';
import type { ComponentLogLine, LatticeCaller, LatticeState } from '../lattice/index.ts';
import {
  decodeCapabilityResult,
  encodeCapabilityCall,
  encodeJson,
  subjectsFor,
} from '../lattice/index.ts';
import { parseTraceparent, readTraceContext, traceHeaders } from '../telemetry/index.ts';
import type { HostInstruments } from './instrument.ts';
import { linkServes, type RunningProvider } from './providers.ts';
import type { HostSecurity } from './security.ts';
import { redactedError } from './secrets.ts';
import type { CapabilityHandler, Value } from '../runtime/index.ts';
import { AloftError, type Logger } from '../support/index.ts';

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'critical'] as const;

/**
 * The capabilities a host offers its components directly: logging (to the host's log and the
 * lattice's log subject), config (the named config of the component's own name, from lattice
 * state), and calls to other components over the lattice. Other capabilities are served by
 * providers through links; without one the call fails with a message that names the fix.
 */
export function hostCapabilities(ctx: {
  nc: NatsConnection;
  lattice: string;
  hostId: string;
  hostName: string;
  labels: () => Record<string, string>;
  logger: Logger;
  state: LatticeState;
  caller: () => LatticeCaller;
  /** Providers running on this host, by name. */
  providers: Map<string, RunningProvider>;
  /** Opens `secret:<name>` values of the component's config and of its links' config. */
  security: Pick<HostSecurity, 'resolveSecrets' | 'redact'>;
  instruments: HostInstruments;
}): CapabilityHandler {
  const s = subjectsFor(ctx.lattice);
  return async (call) => {
    switch (call.interface) {
      case 'logging': {
        const [level, context, message] = call.args as [string | number, string, string];
        const name = typeof level === 'number' ? (levels[level] ?? 'info') : level;
        const trace = parseTraceparent(call.context.metadata.traceparent);
        const line: ComponentLogLine = {
          time: new Date().toISOString(),
          level: name,
          msg: message,
          component: call.component,
          context,
          hostId: ctx.hostId,
          host: ctx.hostName,
          lattice: ctx.lattice,
          ...(ctx.labels().cloud !== undefined ? { cloud: ctx.labels().cloud } : {}),
          ...(trace ? { traceId: trace.traceId, spanId: trace.spanId } : {}),
        };
        ctx.nc.publish(s.logs(call.component), encodeJson(line));
        const { time: _t, level: _l, msg: _m, hostId: _h, host: _n, ...fields } = line;
        const log = ctx.logger.child(fields);
        if (name === 'error' || name === 'critical') log.error(message);
        else if (name === 'warn') log.warn(message);
        else if (name === 'info') log.info(message);
        else log.debug(message);
        return undefined;
      }
      case 'config': {
        // The component's own named config; `secret:<name>` values are opened for it alone.
        const values = ctx.state.config(call.component) ?? {};
        if (call.function === 'get') {
          const key = call.args[0] as string;
          const v = values[key];
          return v === undefined ? undefined : ctx.security.resolveSecrets({ [key]: v })[key];
        }
        return Object.entries(ctx.security.resolveSecrets(values));
      }
      case 'lattice': {
        const [component, operation, payload] = call.args as [string, string, Uint8Array];
        const timeoutMs = Math.max(1, Math.floor(call.context.deadline - performance.now()));
        return await ctx.instruments.capability(
          { component: call.component, interface: 'lattice', function: 'call', target: component },
          readTraceContext((k) => call.context.metadata[k]),
          (trace) =>
            ctx.caller().call(component, operation, payload, {
              timeoutMs,
              ...(trace ? { headers: traceHeaders(trace) } : {}),
            }),
        );
      }
      case 'keyvalue':
      case 'messaging':
      case 'outgoing-http': {
        const link = ctx.state
          .links()
          .find(
            (l) =>
              l.source === call.component &&
              linkServes(l.interface, call.interface) &&
              l.name === (call.context.metadata.link ?? 'default'),
          );
        const parent = readTraceContext((k) => call.context.metadata[k]);
        const span = {
          component: call.component,
          interface: call.interface,
          function: call.function,
          ...(link ? { target: link.target } : {}),
        };
        if (!link) {
          // Counted and traced like any failed capability call: it is the error users hit most.
          const missing = new AloftError(
            'LINK_MISSING',
            `${call.component} has no link for ${call.interface}; create one with: aloft link put ${call.component} <provider> --interface ${call.interface}`,
          );
          return await ctx.instruments.capability(span, parent, () => Promise.reject(missing));
        }
        const target = link.target;
        const linkConfig = link.config;
        const linkName = link.name;
        return await ctx.instruments.capability(span, parent, async (trace) => {
          const local = ctx.providers.get(target);
          if (local) {
            const providerCall = { ...span, provider: target };
            try {
              return (await ctx.instruments.provider(providerCall, trace, false, () =>
                local.instance.handle({
                  component: call.component,
                  interface: call.interface,
                  function: call.function,
                  args: call.args,
                  // `secret:<name>` values opened for this provider, this call only.
                  linkConfig: ctx.security.resolveSecrets(linkConfig),
                }),
              )) as Value;
            } catch (err) {
              throw redactedError(err, (t) => ctx.security.redact(t));
            }
          }
          const timeoutMs = Math.max(1, Math.floor(call.context.deadline - performance.now()));
          const reply = await ctx.caller().callProvider(
            target,
            encodeCapabilityCall({
              component: call.component,
              interface: call.interface,
              function: call.function,
              args: call.args,
              link: { name: linkName, config: linkConfig },
            }),
            {
              timeoutMs,
              idempotent: IDEMPOTENT.has(`${call.interface}.${call.function}`),
              ...(trace ? { headers: traceHeaders(trace) } : {}),
            },
          );
          return decodeCapabilityResult(reply) as Value;
        });
      }
    }
  };
}

/** Capability functions that may run twice without harm, so a timed-out call may be retried. */
const IDEMPOTENT: ReadonlySet<string> = new Set([
  'keyvalue.get',
  'keyvalue.set',
  'keyvalue.delete',
  'keyvalue.exists',
  'keyvalue.list-keys',
]);

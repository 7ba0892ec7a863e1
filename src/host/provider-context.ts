import type { NatsConnection } from '@nats-io/nats-core';
import {
  fromWire,
  toWire,
  type HostsView,
  type LatticeCaller,
  type LatticeState,
} from '../lattice/index.ts';
import type { HttpRequest } from '../runtime/index.ts';
import type { Logger } from '../support/index.ts';
import { traceHeaders, type Tracing } from '../telemetry/index.ts';
import { httpCallOptions, withServedBy } from './http-ingress.ts';
import type { Placement } from './placements.ts';
import type { ProviderContext } from './providers.ts';
import { openedLinks } from './secrets.ts';
import type { HostSecurity } from './security.ts';
import { HANDLER_OPS, invokeLocalHttp, isNotStarted, type ServeContext } from './serve.ts';

/** What a host lends the providers it runs. */
export interface ProviderHostDeps extends Pick<
  ServeContext,
  'accepting' | 'onIdleChange' | 'instruments'
> {
  nc: NatsConnection;
  lattice: string;
  hostId: string;
  hostName: string;
  logger: Logger;
  labels(): Record<string, string>;
  latticeState: LatticeState;
  placements: Map<string, Placement>;
  tracing: Tracing;
  view: HostsView;
  /** Whether another host serves the component (a saturated local pool may then shed). */
  isElsewhere(component: string): boolean;
  caller: LatticeCaller;
  /** Opens `secret:<name>` values of the provider's config and of its links' config. */
  security: HostSecurity;
}

/**
 * The {@link ProviderContext} of provider `name` on this host: its config, the host's view of
 * links and named config, and the way to a component's handler exports (in-process when the
 * component runs here, else over the lattice).
 */
export function hostProviderContext(
  deps: ProviderHostDeps,
  name: string,
  config: Record<string, string>,
): ProviderContext {
  const { latticeState, caller } = deps;
  const servedByHeader = config.served_by_header?.trim().toLowerCase();
  return {
    nc: deps.nc,
    lattice: deps.lattice,
    hostId: deps.hostId,
    hostName: deps.hostName,
    logger: deps.logger,
    // `secret:<name>` values are opened here, for this provider only, and never stored.
    config: deps.security.resolveSecrets(config),
    tracing: deps.tracing,
    labels: () => ({ ...deps.labels() }),
    namedConfig: (configName) => latticeState.config(configName),
    handleHttp: async (component, request, timeoutMs, trace) => {
      const label = (response: unknown, servedBy: string | undefined): unknown =>
        servedByHeader ? withServedBy(response, servedByHeader, deps.view, servedBy) : response;
      // Same host: hand the request to the local pool as it is (DESIGN-NOTES §1). Only when it
      // cannot start here (draining, saturated) does it go the lattice way below.
      const p = deps.placements.get(component);
      if (p && deps.accepting()) {
        // A saturated pool sheds only when another host serves the component (asked only then).
        const elsewhere = (): boolean => deps.isElsewhere(component);
        try {
          const response = await invokeLocalHttp(deps, p, request as HttpRequest, {
            timeoutMs,
            shed: elsewhere,
            trace,
          });
          return label(response, deps.hostId);
        } catch (err) {
          if (!isNotStarted(err) || !elsewhere()) throw err;
        }
      }
      const encoded = new TextEncoder().encode(JSON.stringify(toWire(request)));
      let servedBy: string | undefined;
      const out = await caller.call(component, HANDLER_OPS.http, encoded, {
        timeoutMs,
        noResponderWaitMs: Math.min(timeoutMs, 2000),
        ...httpCallOptions(request, timeoutMs),
        ...(trace ? { headers: traceHeaders(trace) } : {}),
        onServed: (hostId) => (servedBy = hostId),
      });
      return label(fromWire(JSON.parse(new TextDecoder().decode(out))), servedBy);
    },
    deliverMessage: async (component, message, timeoutMs, trace) => {
      const encoded = new TextEncoder().encode(JSON.stringify(toWire(message)));
      await caller.call(component, HANDLER_OPS.message, encoded, {
        timeoutMs,
        ...(trace ? { headers: traceHeaders(trace) } : {}),
      });
    },
    // Links name this provider as their target (component → provider), or, for inbound
    // capabilities as wadm writes them (http-server → component), as their source.
    linksTo: () =>
      openedLinks(
        latticeState
          .links()
          .flatMap((l) =>
            l.target === name
              ? [l]
              : l.source === name
                ? [{ ...l, source: l.target, target: name }]
                : [],
          ),
        deps.security,
        deps.logger,
      ),
    onLinksChange: (listener) => latticeState.onChange((kind) => kind === 'link' && listener()),
  };
}

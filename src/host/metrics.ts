import type { NatsConnection } from '@nats-io/nats-core';
import type { HostsView } from '../lattice/index.ts';
import {
  countNatsStatus,
  heartbeatMetrics,
  heartbeatsSentMetric,
  infoMetric,
  natsMetrics,
  type MetricsRegistry,
} from '../telemetry/index.ts';
import type { HostIdentity } from './identity.ts';
import type { Placement } from './placements.ts';
import type { RunningProvider } from './providers.ts';

/**
 * Registers a host's own metrics on the process's registry: identity, instances and in-flight
 * calls per component, providers, heartbeats sent and observed, hosts lost, and its NATS
 * connection. (Calls served are counted by `hostInstruments`, where the host serves them.)
 */
export function hostMetrics(
  registry: MetricsRegistry,
  host: {
    nc: NatsConnection;
    view: HostsView;
    placements: ReadonlyMap<string, Placement>;
    providers: ReadonlyMap<string, RunningProvider>;
    identity: HostIdentity;
    labels: Readonly<Record<string, string>>;
    lattice: string;
  },
): { heartbeatSent(): void } {
  infoMetric(registry, 'aloft_host_info', 'Identity of this host (always 1).', () => ({
    host_id: host.identity.id,
    host: host.identity.name,
    lattice: host.lattice,
    cloud: host.labels.cloud ?? '',
  }));
  registry.gauge({
    name: 'aloft_component_instances',
    help: 'Instances of each component on this host.',
    labels: ['component'],
    collect: () => [...host.placements.values()].map((p) => [{ component: p.name }, p.count]),
  });
  registry.gauge({
    name: 'aloft_component_in_flight',
    help: 'Invocations of each component in progress on this host.',
    labels: ['component'],
    collect: () => [...host.placements.values()].map((p) => [{ component: p.name }, p.inFlight]),
  });
  registry.gauge({
    name: 'aloft_provider_instances',
    help: 'Capability providers running on this host, by name and kind.',
    labels: ['provider', 'kind'],
    collect: () => [...host.providers.values()].map((p) => [{ provider: p.name, kind: p.kind }, 1]),
  });
  const sent = heartbeatsSentMetric(registry).with({});
  const beats = heartbeatMetrics(registry, () => host.view.entries().length);
  const observed = beats.observed.with({});
  const lost = beats.hostsLost.with({});
  host.view.onChange((c) => {
    if (c.type === 'joined' || c.type === 'updated') observed.inc();
    else if (c.type === 'lost') lost.inc();
  });
  void countNatsStatus(host.nc.status(), natsMetrics(registry));
  return { heartbeatSent: () => sent.inc() };
}

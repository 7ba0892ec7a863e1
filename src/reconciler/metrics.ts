import type { NatsConnection } from '@nats-io/nats-core';
import type { HostsView } from '../lattice/index.ts';
import {
  countNatsStatus,
  heartbeatMetrics,
  infoMetric,
  natsMetrics,
  reconcilerMetrics,
  type MetricsRegistry,
} from '../telemetry/index.ts';
import type { Lease } from './lease-kv.ts';
import type { Command } from './model.ts';

/**
 * Registers a reconciler's metrics: its identity, lease, round durations, commands issued, the
 * heartbeats it observes and its NATS connection. Returns what the service reports into.
 */
export function observeReconciler(
  registry: MetricsRegistry,
  r: { nc: NatsConnection; view: HostsView; lease: Lease; id: string; lattice: string },
): { round: (seconds: number) => void; sent: (command: Command, ok: boolean) => void } {
  infoMetric(registry, 'aloft_reconciler_info', 'Identity of this reconciler (always 1).', () => ({
    reconciler: r.id,
    lattice: r.lattice,
  }));
  const m = reconcilerMetrics(registry, r.lease);
  const beats = heartbeatMetrics(registry, () => r.view.entries().length);
  const observed = beats.observed.with({});
  const lost = beats.hostsLost.with({});
  r.view.onChange((c) => {
    if (c.type === 'joined' || c.type === 'updated') observed.inc();
    else if (c.type === 'lost') lost.inc();
  });
  void countNatsStatus(r.nc.status(), natsMetrics(registry));
  const duration = m.duration.with({});
  return {
    round: (seconds) => duration.observe(seconds),
    sent: (command, ok) => m.commands.inc({ type: command.type, outcome: ok ? 'sent' : 'failed' }),
  };
}

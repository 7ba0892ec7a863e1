/**
 * Aloft's metrics: every name, label and help text in one place (docs/observability.md lists the
 * same). Hosts and reconcilers define the groups they use on their process's registry.
 */
import type { Counter, Gauge, Histogram, Labels, MetricsRegistry } from './registry.ts';

/** Component invocations served by this host (in-process and from the lattice alike). */
export interface InvocationMetrics {
  invocations: Counter<'component' | 'operation' | 'outcome'>;
  duration: Histogram<'component' | 'operation'>;
  errors: Counter<'component' | 'operation' | 'code'>;
}

export function invocationMetrics(r: MetricsRegistry): InvocationMetrics {
  return {
    invocations: r.counter({
      name: 'aloft_component_invocations_total',
      help: 'Component invocations served on this host, by outcome (ok or error).',
      labels: ['component', 'operation', 'outcome'],
    }),
    duration: r.histogram({
      name: 'aloft_component_invocation_duration_seconds',
      help: 'Time to serve a component invocation on this host, queueing included.',
      labels: ['component', 'operation'],
    }),
    errors: r.counter({
      name: 'aloft_component_invocation_errors_total',
      help: 'Component invocations on this host that failed, by error code.',
      labels: ['component', 'operation', 'code'],
    }),
  };
}

/** Calls served by capability providers running on this host. */
export interface ProviderMetrics {
  calls: Counter<'provider' | 'interface' | 'function' | 'outcome'>;
  duration: Histogram<'provider' | 'interface'>;
  errors: Counter<'provider' | 'interface' | 'code'>;
}

export function providerMetrics(r: MetricsRegistry): ProviderMetrics {
  return {
    calls: r.counter({
      name: 'aloft_provider_calls_total',
      help: 'Capability calls served by providers on this host, by outcome (ok or error).',
      labels: ['provider', 'interface', 'function', 'outcome'],
    }),
    duration: r.histogram({
      name: 'aloft_provider_call_duration_seconds',
      help: 'Time a provider on this host took to serve a capability call.',
      labels: ['provider', 'interface'],
    }),
    errors: r.counter({
      name: 'aloft_provider_call_errors_total',
      help: 'Capability calls that providers on this host failed, by error code.',
      labels: ['provider', 'interface', 'code'],
    }),
  };
}

/** Capability calls made by components running on this host, whoever serves them. */
export function capabilityMetrics(
  r: MetricsRegistry,
): Counter<'component' | 'interface' | 'outcome'> {
  return r.counter({
    name: 'aloft_capability_calls_total',
    help: 'Capability calls made by components on this host (outcome ok or an error code).',
    labels: ['component', 'interface', 'outcome'],
  });
}

/** What this process sees of the lattice's liveness traffic. */
export interface HeartbeatMetrics {
  observed: Counter;
  hostsLost: Counter;
}

export function heartbeatMetrics(r: MetricsRegistry, hostsSeen: () => number): HeartbeatMetrics {
  r.gauge({
    name: 'aloft_lattice_hosts',
    help: 'Hosts this process currently sees alive in the lattice (a host counts itself).',
    collect: () => [[{}, hostsSeen()]],
  });
  return {
    observed: r.counter({
      name: 'aloft_heartbeats_observed_total',
      help: "Heartbeats this process received from the lattice's hosts (a host's own included).",
    }),
    hostsLost: r.counter({
      name: 'aloft_hosts_lost_total',
      help: 'Hosts this process saw lost (missed heartbeats, closed connection, or reported).',
    }),
  };
}

/** Heartbeats a host published. */
export function heartbeatsSentMetric(r: MetricsRegistry): Counter {
  return r.counter({
    name: 'aloft_heartbeats_sent_total',
    help: 'Heartbeats this host published.',
  });
}

/** The process's NATS connection. */
export interface NatsMetrics {
  disconnects: Counter;
  reconnects: Counter;
  connected: Gauge;
}

export function natsMetrics(r: MetricsRegistry): NatsMetrics {
  return {
    disconnects: r.counter({
      name: 'aloft_nats_disconnects_total',
      help: 'Times the NATS connection was lost.',
    }),
    reconnects: r.counter({
      name: 'aloft_nats_reconnects_total',
      help: 'Times the NATS connection was re-established after a loss.',
    }),
    connected: r.gauge({
      name: 'aloft_nats_connected',
      help: '1 while connected to NATS, 0 while reconnecting.',
    }),
  };
}

/** Counts NATS status changes (`nc.status()` of nats.js) until the iterable ends. */
export async function countNatsStatus(
  status: AsyncIterable<{ type: string }>,
  metrics: NatsMetrics,
): Promise<void> {
  const connected = metrics.connected.with({});
  connected.set(1);
  for await (const s of status) {
    if (s.type === 'disconnect') {
      metrics.disconnects.with({}).inc();
      connected.set(0);
    } else if (s.type === 'reconnect') {
      metrics.reconnects.with({}).inc();
      connected.set(1);
    }
  }
}

/** The reconciler: how long rounds take and what they decide. */
export interface ReconcilerMetrics {
  duration: Histogram;
  commands: Counter<'type' | 'outcome'>;
}

export function reconcilerMetrics(
  r: MetricsRegistry,
  lease: { isLeader(): boolean; epoch(): number },
): ReconcilerMetrics {
  r.gauge({
    name: 'aloft_reconciler_leader',
    help: '1 while this reconciler holds the lease and acts, else 0.',
    collect: () => [[{}, lease.isLeader() ? 1 : 0]],
  });
  r.gauge({
    name: 'aloft_reconciler_lease_epoch',
    help: 'The newest lease epoch this reconciler knows (it grows at every takeover).',
    collect: () => [[{}, lease.epoch()]],
  });
  return {
    duration: r.histogram({
      name: 'aloft_reconcile_duration_seconds',
      help: 'Time the acting reconciler took to observe and plan one round (commands are sent after).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    commands: r.counter({
      name: 'aloft_reconcile_commands_total',
      help: 'Control commands the reconciler issued, by type and outcome (sent or failed).',
      labels: ['type', 'outcome'],
    }),
  };
}

/** A constant 1 whose labels identify the process (join on it in queries). */
export function infoMetric<L extends string>(
  r: MetricsRegistry,
  name: string,
  help: string,
  labels: () => Labels<L>,
): void {
  const names = Object.keys(labels()) as L[];
  r.gauge<L>({ name, help, labels: names, collect: () => [[labels(), 1]] });
}

/** CPU time, memory and start time of this process, the standard `process_*` names. */
export function processMetrics(r: MetricsRegistry): void {
  const startSeconds = (Date.now() - performance.now()) / 1000;
  r.counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds.',
    collect: () => {
      const u = process.cpuUsage();
      return [[{}, (u.user + u.system) / 1e6]];
    },
  });
  r.gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    collect: () => [[{}, process.memoryUsage.rss()]],
  });
  r.gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since the Unix epoch, in seconds.',
    collect: () => [[{}, Math.round(startSeconds)]],
  });
}

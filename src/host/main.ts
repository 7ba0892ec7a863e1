/**
 * The host process (`aloft host`): starts a host from options and stops it gracefully on SIGTERM
 * or SIGINT (cordon, finish in-flight calls within the grace period, publish host_stopped, exit).
 */
import { jsonLogger, parseLogLevel } from '../support/index.ts';
import {
  startHealthServer,
  type HealthServer,
  createRegistry,
  processMetrics,
  startMetricsServer,
  type MetricsServer,
} from '../telemetry/index.ts';
import type { Host, HostOptions } from './host.ts';
import { startHost } from './node-platform.ts';

/** The process's metrics endpoint (`--metrics-port`, `ALOFT_METRICS_PORT`). */
export interface ProcessTelemetry {
  /** `[host:]port` for `/metrics`; none when undefined. */
  metricsAddress?: string | undefined;
  /** Where the metrics address came from, for errors (`--metrics-port`, `ALOFT_METRICS_PORT`). */
  metricsSource?: string;
}

export async function runHost(
  options: Omit<HostOptions, 'logger' | 'metrics'>,
  graceMs: number,
  /** Serve `/livez` and `/readyz` on this port (0: any free port), for probes. */
  healthPort?: number,
  telemetry: ProcessTelemetry = {},
): Promise<number> {
  const logger = jsonLogger(process.stderr, parseLogLevel(process.env.ALOFT_LOG_LEVEL));
  const registry = telemetry.metricsAddress !== undefined ? createRegistry() : undefined;
  let metrics: MetricsServer | undefined;
  if (registry && telemetry.metricsAddress !== undefined) {
    processMetrics(registry);
    metrics = await startMetricsServer({
      address: telemetry.metricsAddress,
      registry,
      logger,
      ...(telemetry.metricsSource ? { source: telemetry.metricsSource } : {}),
    });
  }
  let host: Host;
  try {
    host = await startHost({ ...options, logger, ...(registry ? { metrics: registry } : {}) });
  } catch (err) {
    await metrics?.stop();
    throw err;
  }
  let health: HealthServer | undefined;
  if (healthPort !== undefined) {
    // Ready while the host takes calls and is connected; live for as long as it answers, so that
    // a drain (not ready) or a NATS outage (not ready) never gets the process restarted.
    let connected = true;
    void (async () => {
      for await (const st of host.nc.status()) {
        if (st.type === 'disconnect') connected = false;
        if (st.type === 'reconnect') connected = true;
      }
    })();
    health = await startHealthServer({
      port: healthPort,
      ready: () => connected && host.state() === 'running',
    });
  }
  process.stdout.write(
    JSON.stringify({
      hostId: host.id,
      name: host.name,
      lattice: host.lattice,
      ...(health ? { healthPort: health.port } : {}),
      ...(metrics ? { metricsUrl: metrics.url } : {}),
    }) + '\n',
  );
  const onSignal = (): void => {
    void host.stop(graceMs);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await host.closed();
  await health?.stop();
  await metrics?.stop();
  return 0;
}

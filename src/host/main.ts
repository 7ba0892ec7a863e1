/**
 * The host process (`aloft host`): starts a host from options and stops it gracefully on SIGTERM
 * or SIGINT (cordon, finish in-flight calls within the grace period, publish host_stopped, exit).
 */
import { jsonLogger, parseLogLevel } from '../support/index.ts';
import {
  createRegistry,
  processMetrics,
  startMetricsServer,
  type MetricsServer,
} from '../telemetry/index.ts';
import { startHost, type HostOptions } from './host.ts';

/** The process's telemetry: a metrics endpoint (`--metrics-port`) and tracing. */
export interface ProcessTelemetry {
  /** `[host:]port` for `/metrics`; none when undefined. */
  metricsAddress?: string | undefined;
  /** Where the metrics address came from, for errors (`--metrics-port`, `ALOFT_METRICS_PORT`). */
  metricsSource?: string;
}

export async function runHost(
  options: Omit<HostOptions, 'logger' | 'metrics'>,
  graceMs: number,
  telemetry: ProcessTelemetry = {},
): Promise<number> {
  const logger = jsonLogger(process.stderr, parseLogLevel(process.env.ALOFT_LOG_LEVEL));
  const registry = telemetry.metricsAddress !== undefined ? createRegistry() : undefined;
  let server: MetricsServer | undefined;
  if (registry && telemetry.metricsAddress !== undefined) {
    processMetrics(registry);
    server = await startMetricsServer({
      address: telemetry.metricsAddress,
      registry,
      logger,
      ...(telemetry.metricsSource ? { source: telemetry.metricsSource } : {}),
    });
  }
  let host;
  try {
    host = await startHost({ ...options, logger, ...(registry ? { metrics: registry } : {}) });
  } catch (err) {
    await server?.stop();
    throw err;
  }
  process.stdout.write(
    JSON.stringify({
      hostId: host.id,
      name: host.name,
      lattice: host.lattice,
      ...(server ? { metricsUrl: server.url } : {}),
    }) + '\n',
  );
  const onSignal = (): void => {
    void host.stop(graceMs);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await host.closed();
  await server?.stop();
  return 0;
}

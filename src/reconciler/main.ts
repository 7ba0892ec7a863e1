/** The reconciler process (`aloft reconciler`): runs until SIGTERM/SIGINT, then releases its lease. */
import { hostname } from 'node:os';
import { connectLattice, type LatticeConnectionOptions } from '../lattice/index.ts';
import { jsonLogger, parseLogLevel } from '../support/index.ts';
import {
  startHealthServer,
  type HealthServer,
  createRegistry,
  processMetrics,
  startMetricsServer,
  type MetricsServer,
} from '../telemetry/index.ts';
import { startReconciler } from './service.ts';

export async function runReconciler(
  options: Omit<LatticeConnectionOptions, 'logger' | 'name'> & {
    lattice: string;
    id?: string;
    /** Serve `/livez` and `/readyz` on this port (0: any free port), for probes. */
    healthPort?: number;
    /** `[host:]port` for `/metrics`; none when undefined. */
    metricsAddress?: string | undefined;
    /** Where the metrics address came from, for errors. */
    metricsSource?: string;
  },
): Promise<number> {
  const logger = jsonLogger(process.stderr, parseLogLevel(process.env.ALOFT_LOG_LEVEL));
  const id = options.id ?? `${hostname()}-${process.pid}`;
  const registry = options.metricsAddress !== undefined ? createRegistry() : undefined;
  let metrics: MetricsServer | undefined;
  if (registry && options.metricsAddress !== undefined) {
    processMetrics(registry);
    metrics = await startMetricsServer({
      address: options.metricsAddress,
      registry,
      logger,
      ...(options.metricsSource ? { source: options.metricsSource } : {}),
    });
  }
  let health: HealthServer | undefined;
  try {
    const nc = await connectLattice({ ...options, name: `aloft-reconciler ${id}`, logger });
    const reconciler = await startReconciler({
      nc,
      lattice: options.lattice,
      id,
      logger,
      ...(registry ? { metrics: registry } : {}),
    });
    if (options.healthPort !== undefined) {
      // Ready while connected (whether it holds the lease or stands by); live while it answers.
      let connected = true;
      void (async () => {
        for await (const st of nc.status()) {
          if (st.type === 'disconnect') connected = false;
          if (st.type === 'reconnect') connected = true;
        }
      })();
      health = await startHealthServer({ port: options.healthPort, ready: () => connected });
    }
    process.stdout.write(
      JSON.stringify({
        reconciler: id,
        lattice: options.lattice,
        ...(health ? { healthPort: health.port } : {}),
        ...(metrics ? { metricsUrl: metrics.url } : {}),
      }) + '\n',
    );
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await reconciler.stop();
    await health?.stop();
    await nc.drain();
  } finally {
    await metrics?.stop();
  }
  return 0;
}

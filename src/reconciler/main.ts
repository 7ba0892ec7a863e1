/** The reconciler process (`aloft reconciler`): runs until SIGTERM/SIGINT, then releases its lease. */
import { hostname } from 'node:os';
import { connectLattice, type LatticeConnectionOptions } from '../lattice/index.ts';
import { jsonLogger, parseLogLevel } from '../support/index.ts';
import {
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
    /** `[host:]port` for `/metrics`; none when undefined. */
    metricsAddress?: string | undefined;
    /** Where the metrics address came from, for errors. */
    metricsSource?: string;
  },
): Promise<number> {
  const logger = jsonLogger(process.stderr, parseLogLevel(process.env.ALOFT_LOG_LEVEL));
  const id = options.id ?? `${hostname()}-${process.pid}`;
  const registry = options.metricsAddress !== undefined ? createRegistry() : undefined;
  let server: MetricsServer | undefined;
  if (registry && options.metricsAddress !== undefined) {
    processMetrics(registry);
    server = await startMetricsServer({
      address: options.metricsAddress,
      registry,
      logger,
      ...(options.metricsSource ? { source: options.metricsSource } : {}),
    });
  }
  try {
    const nc = await connectLattice({ ...options, name: `aloft-reconciler ${id}`, logger });
    const reconciler = await startReconciler({
      nc,
      lattice: options.lattice,
      id,
      logger,
      ...(registry ? { metrics: registry } : {}),
    });
    process.stdout.write(
      JSON.stringify({
        reconciler: id,
        lattice: options.lattice,
        ...(server ? { metricsUrl: server.url } : {}),
      }) + '\n',
    );
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await reconciler.stop();
    await nc.drain();
  } finally {
    await server?.stop();
  }
  return 0;
}

/** The reconciler process (`aloft reconciler`): runs until SIGTERM/SIGINT, then releases its lease. */
import { hostname } from 'node:os';
import { connectLattice, type LatticeConnectionOptions } from '../lattice/index.ts';
import { jsonLogger, parseLogLevel } from '../support/index.ts';
import { startReconciler } from './service.ts';

export async function runReconciler(
  options: Omit<LatticeConnectionOptions, 'logger' | 'name'> & { lattice: string; id?: string },
): Promise<number> {
  const logger = jsonLogger(process.stderr, parseLogLevel(process.env.ALOFT_LOG_LEVEL));
  const id = options.id ?? `${hostname()}-${process.pid}`;
  const nc = await connectLattice({ ...options, name: `aloft-reconciler ${id}`, logger });
  const reconciler = await startReconciler({ nc, lattice: options.lattice, id, logger });
  process.stdout.write(JSON.stringify({ reconciler: id, lattice: options.lattice }) + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await reconciler.stop();
  await nc.drain();
  return 0;
}

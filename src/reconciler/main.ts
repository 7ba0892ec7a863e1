/** The reconciler process (`aloft reconciler`): runs until SIGTERM/SIGINT, then releases its lease. */
import { hostname } from 'node:os';
import { connectLattice, type LatticeConnectionOptions } from '../lattice/index.ts';
import { jsonLogger, parseLogLevel } from '../support/index.ts';
import { leaseMembers } from './lease-nats.ts';
import { startReconciler } from './service.ts';

export async function runReconciler(
  options: Omit<LatticeConnectionOptions, 'logger' | 'name'> & {
    lattice: string;
    id?: string;
    /** Every reconciler's id, this one's included (the lease's voters). */
    peers?: string[];
  },
): Promise<number> {
  const logger = jsonLogger(process.stderr, parseLogLevel(process.env.ALOFT_LOG_LEVEL));
  const id = options.id ?? `${hostname()}-${process.pid}`;
  const peers = leaseMembers(id, options.peers); // a wrong list fails before connecting
  const nc = await connectLattice({ ...options, name: `aloft-reconciler ${id}`, logger });
  const reconciler = await startReconciler({ nc, lattice: options.lattice, id, peers, logger });
  process.stdout.write(JSON.stringify({ reconciler: id, lattice: options.lattice, peers }) + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await reconciler.stop();
  await nc.drain();
  return 0;
}

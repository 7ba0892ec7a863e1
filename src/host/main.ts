/**
 * The host process (`aloft host`): starts a host from options and stops it gracefully on SIGTERM
 * or SIGINT (cordon, finish in-flight calls within the grace period, publish host_stopped, exit).
 */
import { jsonLogger, parseLogLevel } from '../support/index.ts';
import { startHost, type HostOptions } from './host.ts';

export async function runHost(
  options: Omit<HostOptions, 'logger'>,
  graceMs: number,
): Promise<number> {
  const logger = jsonLogger(process.stderr, parseLogLevel(process.env.ALOFT_LOG_LEVEL));
  const host = await startHost({ ...options, logger });
  process.stdout.write(
    JSON.stringify({ hostId: host.id, name: host.name, lattice: host.lattice }) + '\n',
  );
  const onSignal = (): void => {
    void host.stop(graceMs);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await host.closed();
  return 0;
}

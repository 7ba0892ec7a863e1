/**
 * The host process (`aloft host`): starts a host from options and stops it gracefully on SIGTERM
 * or SIGINT (cordon, finish in-flight calls within the grace period, publish host_stopped, exit).
 */
import {
  jsonLogger,
  parseLogLevel,
  startHealthServer,
  type HealthServer,
} from '../support/index.ts';
import type { HostOptions } from './host.ts';
import { startHost } from './node-platform.ts';

export async function runHost(
  options: Omit<HostOptions, 'logger'>,
  graceMs: number,
  /** Serve `/livez` and `/readyz` on this port (0: any free port), for probes. */
  healthPort?: number,
): Promise<number> {
  const logger = jsonLogger(process.stderr, parseLogLevel(process.env.ALOFT_LOG_LEVEL));
  const host = await startHost({ ...options, logger });
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
    }) + '\n',
  );
  const onSignal = (): void => {
    void host.stop(graceMs);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await host.closed();
  await health?.stop();
  return 0;
}

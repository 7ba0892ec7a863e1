import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AloftError } from '../support/index.ts';

/** The paths a health server answers (what Kubernetes probes point at). */
export const HEALTH_PATHS = { live: '/livez', ready: '/readyz' } as const;

/** A tiny HTTP server for liveness and readiness probes. */
export interface HealthServer {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Serves `GET /livez` (200 while the process's event loop answers and `live()` holds) and
 * `GET /readyz` (200 while `ready()` holds, 503 otherwise), each with a one-line JSON body.
 * Anything else is 404. Port 0 picks a free port (see `port`).
 *
 * @example
 * const health = await startHealthServer({ port: 8081, live: () => true, ready: () => connected });
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  live?: () => boolean;
  ready: () => boolean;
}): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const check =
      path === HEALTH_PATHS.live
        ? (options.live ?? (() => true))
        : path === HEALTH_PATHS.ready
          ? options.ready
          : undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!check) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: `no such path; use ${HEALTH_PATHS.live} or ${HEALTH_PATHS.ready}`,
        }) + '\n',
      );
      return;
    }
    const ok = check();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }) + '\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new AloftError('PORT_IN_USE', `health port ${options.port} is already in use`, {
              hint: 'choose another --health-port',
            })
          : err,
      ),
    );
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parses a `--health-port` value: an integer from 0 to 65535. */
export function parseHealthPort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new AloftError(
      'USAGE',
      `--health-port must be a port number (0-65535), not ${JSON.stringify(value)}`,
    );
  }
  return port;
}

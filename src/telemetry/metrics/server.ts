import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../support/index.ts';
import { TelemetryCodes, TelemetryError } from '../errors.ts';
import { EXPOSITION_CONTENT_TYPE } from './exposition.ts';
import type { MetricsRegistry } from './registry.ts';

/** A listening `/metrics` endpoint. */
export interface MetricsServer {
  /** `http://host:port/metrics` with the real port (also when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  closed(): Promise<void>;
}

/**
 * Parses a metrics listen address: `9464` or `:9464` (every interface), `127.0.0.1:9464`,
 * `[::1]:9464`; port 0 picks a free one.
 *
 * @throws {TelemetryError} `TELEMETRY_CONFIG_INVALID` naming the value and where it came from.
 */
export function parseMetricsAddress(
  value: string,
  source = '--metrics-port',
): { host: string | undefined; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new TelemetryError(
      TelemetryCodes.TELEMETRY_CONFIG_INVALID,
      `${source} ${JSON.stringify(value)} is not a port or host:port`,
      { hint: 'e.g. 9464, 127.0.0.1:9464, or 0 for any free port' },
    );
  }
  const host = m[1] ?? m[2];
  return { host: host === '' || host === undefined ? undefined : host, port };
}

/**
 * Serves `registry` as Prometheus text on `GET /metrics` (HEAD too); anything else is 404.
 *
 * @throws {TelemetryError} `METRICS_LISTEN_FAILED` when the address cannot be bound.
 * @example
 * const srv = await startMetricsServer({ address: '127.0.0.1:0', registry });
 * await fetch(srv.url);
 */
export async function startMetricsServer(options: {
  address: string;
  registry: MetricsRegistry;
  logger?: Logger;
  /** Where the address came from, for error messages. */
  source?: string;
}): Promise<MetricsServer> {
  const { host, port } = parseMetricsAddress(options.address, options.source);
  const log = options.logger ?? silentLogger;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found: scrape /metrics\n');
      return;
    }
    let body: string;
    try {
      body = options.registry.render();
    } catch (err) {
      log.error('metrics rendering failed', { error: err });
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('metrics rendering failed\n');
      return;
    }
    res.writeHead(200, {
      'content-type': EXPOSITION_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new TelemetryError(
          TelemetryCodes.METRICS_LISTEN_FAILED,
          `metrics endpoint cannot listen on ${options.address}: ${err.message}`,
          {
            cause: err,
            ...(err.code === 'EADDRINUSE'
              ? { hint: 'choose another port, or 0 for any free one' }
              : {}),
          },
        ),
      );
    });
    server.listen({ host, port }, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shown =
    host === undefined ? '127.0.0.1' : bound.family === 'IPv6' ? `[${bound.address}]` : host;
  const url = `http://${shown}:${bound.port}/metrics`;
  const done = new Promise<void>((resolve) => server.once('close', () => resolve()));
  log.info('metrics endpoint listening', { url });
  return {
    url,
    port: bound.port,
    stop: async () => {
      if (!server.listening) return done;
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closing;
    },
    closed: () => done,
  };
}

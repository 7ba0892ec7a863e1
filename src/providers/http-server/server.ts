import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AloftError, deferred, silentLogger, type Logger } from '../../support/index.ts';
import { matchRoute, type HttpRoute } from './routes.ts';
import { sendResponse, sendText, statusForError } from './respond.ts';
import type { HeaderList, HttpHandler, HttpRequestData } from './types.ts';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** `host:port` to listen on; port 0 picks a free port. `:8080` listens on every interface. */
  address: string;
  routes: HttpRoute[];
  handle: HttpHandler;
  logger?: Logger;
  /** How long the handler may take before the client gets 504. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Largest request body; larger ones get 413. Default 10 MiB. */
  maxBodyBytes?: number;
  /** How long an idle keep-alive connection stays open. Default 5000 ms. */
  keepAliveTimeoutMs?: number;
  /** `Retry-After` seconds on a 503. Default 1. */
  retryAfterSeconds?: number;
}

/** A listening HTTP server. */
export interface HttpServer {
  /** The bound `host:port` (with the real port when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Replaces the routing table; requests already routed are not affected. */
  setRoutes(routes: HttpRoute[]): void;
  routes(): readonly HttpRoute[];
  /** Stops accepting, lets requests in flight finish for up to `drainMs` (default 5000), then closes. */
  stop(drainMs?: number): Promise<void>;
}

function parseAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!m) {
    throw new AloftError(
      'HTTP_ADDRESS_INVALID',
      `HTTP address ${JSON.stringify(address)} is not host:port`,
      {
        hint: 'e.g. 127.0.0.1:8080, [::1]:8080 or :8080 for every interface',
      },
    );
  }
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port: Number(m[3]) };
}

function requestHeaders(req: IncomingMessage): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    out.push([(req.rawHeaders[i] ?? '').toLowerCase(), req.rawHeaders[i + 1] ?? '']);
  }
  return out;
}

/** Reads the body; resolves undefined (having answered 413) when it exceeds `max`. */
function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  max: number,
): Promise<Uint8Array | undefined> {
  const tooLarge = (): undefined => {
    sendText(res, 413, `request body larger than ${max} bytes`, { connection: 'close' });
    return undefined;
  };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return Promise.resolve(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        resolve(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(size > max ? undefined : new Uint8Array(Buffer.concat(chunks))));
    req.once('error', reject);
  });
}

/**
 * Starts an HTTP server that routes each request (by host and path) to a target and answers with
 * what `handle` returns. Keep-alive is on. The client sees 404 when no route matches, 413 for a
 * body over `maxBodyBytes`, 503 with `Retry-After` when no instance can serve, 504 after
 * `requestTimeoutMs`, and a bare 500 for any other failure (details go to the logger only).
 *
 * @throws {AloftError} `HTTP_ADDRESS_INVALID`, `HTTP_ADDRESS_IN_USE`, `HTTP_LISTEN_FAILED`.
 * @example
 * const srv = await startHttpServer({
 *   address: '127.0.0.1:0',
 *   routes: [{ path: '/', target: 'counter' }],
 *   handle: (target, req) => host.handleHttp(target, req),
 * });
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { host, port } = parseAddress(options.address);
  const log = options.logger ?? silentLogger;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  let routes: readonly HttpRoute[] = [...options.routes];
  let inFlight = 0;
  let idle = deferred<void>();
  idle.resolve();

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = req.url ?? '/';
    const route = matchRoute(routes, req.headers.host, path);
    if (!route) return sendText(res, 404, 'no route for this host and path');
    const body = await readBody(req, res, maxBody);
    if (body === undefined) return;
    const request: HttpRequestData = {
      method: req.method ?? 'GET',
      path,
      headers: requestHeaders(req),
      body,
    };
    const abort = new AbortController();
    // 'close' follows every response; only one that closes unfinished means the client left
    // (an Error per request costs a stack trace each).
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new Error('the client went away'));
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const result = await Promise.race([
        options.handle(route.target, request, { timeoutMs, signal: abort.signal }),
        timedOut,
      ]);
      if (result === 'timeout') {
        abort.abort(new Error('request timed out'));
        log.warn('http request timed out', { target: route.target, path, timeoutMs });
        return sendText(res, 504, `no response within ${timeoutMs} ms`);
      }
      sendResponse(res, result);
    } catch (err) {
      const status = statusForError(err);
      const code = (err as { code?: unknown }).code;
      if (status === 503) {
        return sendText(res, 503, 'no instance can serve this request now; retry shortly', {
          'retry-after': retryAfter,
        });
      }
      log.warn('http request failed', { target: route.target, path, status, code, error: err });
      sendText(
        res,
        status,
        status === 504 ? 'the service did not answer in time' : 'internal error',
      );
    } finally {
      clearTimeout(timer);
    }
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    if (inFlight++ === 0) idle = deferred<void>();
    res.once('close', () => {
      if (--inFlight === 0) idle.resolve();
    });
    serve(req, res).catch((err: unknown) => {
      log.error('http request handling failed', { error: err });
      sendText(res, 500, 'internal error');
    });
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;
  server.requestTimeout = Math.max(timeoutMs, 30_000);
  server.headersTimeout = Math.min(server.requestTimeout, 20_000);

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const inUse = err.code === 'EADDRINUSE';
      reject(
        new AloftError(
          inUse ? 'HTTP_ADDRESS_IN_USE' : 'HTTP_LISTEN_FAILED',
          `cannot listen on ${options.address}: ${err.message}`,
          { cause: err, hint: inUse ? 'pick another port, or stop what holds it' : undefined },
        ),
      );
    });
    server.listen({ host, port }, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const address = `${shownHost}:${bound.port}`;
  log.info('http server listening', { address });
  return {
    address,
    port: bound.port,
    url: `http://${address}`,
    setRoutes: (next) => {
      routes = [...next];
    },
    routes: () => routes,
    stop: async (drainMs = 5000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle.promise, new Promise((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
    },
  };
}

import {
  startHttpServer,
  type HttpHandler,
  type HttpResponseData,
  type HttpRoute,
  type HttpServer,
} from '../http-server/index.ts';
import { noopTracing, readTraceContext } from '../../telemetry/index.ts';
import {
  intConfig,
  unknownFunction,
  type ProviderContext,
  type ProviderFactory,
} from '../provider.ts';

function asResponse(value: unknown): HttpResponseData {
  const r = value as Partial<HttpResponseData> | null;
  if (
    !r ||
    typeof r.status !== 'number' ||
    !Array.isArray(r.headers) ||
    !(r.body instanceof Uint8Array)
  ) {
    throw new Error('the component returned no valid http-response');
  }
  return r as HttpResponseData;
}

/** Listener address → routes, from the provider's `address` and its links. */
function desiredListeners(ctx: ProviderContext): Map<string, HttpRoute[]> {
  const shared = ctx.config.address?.trim();
  const out = new Map<string, HttpRoute[]>();
  if (shared) out.set(shared, []);
  for (const l of ctx.linksTo()) {
    const address = l.config.address?.trim() || shared;
    if (!address) {
      ctx.logger.warn('http-server link has no address and the provider listens nowhere', {
        component: l.source,
        hint: 'set address on the link, or start the provider with --config address=HOST:PORT',
      });
      continue;
    }
    const route: HttpRoute = { target: l.source };
    if (l.config.host) route.host = l.config.host;
    if (l.config.path) route.path = l.config.path;
    out.set(address, [...(out.get(address) ?? []), route]);
  }
  return out;
}

/**
 * `http-server`: serves HTTP to components' `http-handler` exports.
 *
 * - Provider config `address` (e.g. `0.0.0.0:8080`): one host-wide listener; each link adds a
 *   route on it from its `host` (`shop.example.com`, `*.example.com`) and `path` (`/api`) config.
 * - Link config `address`: a listener of its own for that component (all paths).
 * - Provider config `request_timeout_ms` (30 000, then 504), `max_body_bytes` (10 MiB, then 413),
 *   `keep_alive_ms` (5000), `retry_after_s` (1, on the 503 sent when no instance can serve).
 *
 * Listeners follow link changes. Start fails when the provider's own address cannot be bound.
 */
export const httpServerProvider: ProviderFactory = async (ctx) => {
  const options = {
    requestTimeoutMs: intConfig(ctx.config, 'request_timeout_ms', 30_000),
    maxBodyBytes: intConfig(ctx.config, 'max_body_bytes', 10 * 1024 * 1024),
    keepAliveTimeoutMs: intConfig(ctx.config, 'keep_alive_ms', 5000),
    retryAfterSeconds: intConfig(ctx.config, 'retry_after_s', 1),
  };
  const tracing = ctx.tracing ?? noopTracing;
  // The ingress span: it continues the client's traceparent, or starts the trace.
  const handle: HttpHandler = async (target, request, { timeoutMs }) => {
    const parent = readTraceContext((name) => request.headers.find(([k]) => k === name)?.[1]);
    const span = tracing.startSpan(`${request.method} ${target}`, {
      kind: 'server',
      parent,
      attributes: tracing.enabled
        ? {
            'http.request.method': request.method,
            'url.path': request.path.split('?')[0],
            'aloft.component': target,
            'aloft.host.id': ctx.hostId,
            'aloft.lattice': ctx.lattice,
          }
        : undefined,
    });
    try {
      const response = asResponse(await ctx.handleHttp(target, request, timeoutMs, span.context));
      span.setAttribute('http.response.status_code', response.status);
      span.end(response.status >= 500 ? { code: `HTTP_${response.status}` } : undefined);
      return response;
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      span.end({
        code: typeof code === 'string' ? code : 'INTERNAL',
        message: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  };
  const servers = new Map<string, HttpServer>();
  let stopped = false;

  const apply = async (): Promise<void> => {
    if (stopped) return;
    const desired = desiredListeners(ctx);
    for (const [address, srv] of servers) {
      if (desired.has(address)) continue;
      servers.delete(address);
      await srv.stop();
    }
    for (const [address, routes] of desired) {
      const existing = servers.get(address);
      if (existing) {
        existing.setRoutes(routes);
        continue;
      }
      const srv = await startHttpServer({
        address,
        routes,
        handle,
        logger: ctx.logger,
        ...options,
      });
      servers.set(address, srv);
    }
  };

  await apply();
  let queue = Promise.resolve();
  const unsubscribe = ctx.onLinksChange(() => {
    queue = queue
      .then(apply)
      .catch((err: unknown) =>
        ctx.logger.warn('http-server could not follow a link change', { error: err }),
      );
  });
  return {
    interfaces: ['http-handler'],
    handle: (call) => Promise.reject(unknownFunction(call)),
    stop: async () => {
      stopped = true;
      unsubscribe();
      await queue;
      await Promise.all([...servers.values()].map((s) => s.stop()));
      servers.clear();
    },
  };
};

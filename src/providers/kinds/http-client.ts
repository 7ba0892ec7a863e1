import {
  httpClient,
  parseAllowList,
  type HttpClient,
  type OutgoingRequest,
} from '../http-client/index.ts';
import { intConfig, startWith, unknownFunction, type ProviderFactory } from '../provider.ts';

/**
 * `http-client`: `outgoing-http.fetch` for components. Link config: `allow` (hosts, comma- or
 * space-separated; see `isAllowed`), `timeout_ms`, `max_response_bytes`; the provider's own
 * config gives the defaults for links that leave them out (an `allow` there applies to every link).
 */
export const httpClientProvider: ProviderFactory = (ctx) =>
  startWith(() => {
    const clients = new Map<string, HttpClient>();
    const clientFor = (link: Record<string, string>): HttpClient => {
      const cfg = { ...ctx.config, ...link };
      const key = JSON.stringify([cfg.allow, cfg.timeout_ms, cfg.max_response_bytes]);
      let c = clients.get(key);
      if (!c) {
        c = httpClient({
          allow: parseAllowList(cfg.allow),
          timeoutMs: intConfig(cfg, 'timeout_ms', 30_000),
          maxResponseBytes: intConfig(cfg, 'max_response_bytes', 10 * 1024 * 1024),
        });
        if (clients.size > 1000) clients.clear();
        clients.set(key, c);
      }
      return c;
    };
    return {
      interfaces: ['outgoing-http'],
      handle: async (call) => {
        if (call.interface !== 'outgoing-http' || call.function !== 'fetch')
          throw unknownFunction(call);
        return clientFor(call.linkConfig).fetch(call.args[0] as OutgoingRequest);
      },
      stop: () => Promise.resolve(),
    };
  });

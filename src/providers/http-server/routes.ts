/**
 * One entry of an HTTP server's routing table: requests whose host and path match go to `target`
 * (a component name).
 */
export interface HttpRoute {
  /** A host name (`api.example.com`) or a glob over labels (`*.example.com`); absent: any host. */
  host?: string;
  /** A path prefix matched at `/` boundaries (`/api` matches `/api` and `/api/x`, not `/apix`). Default `/`. */
  path?: string;
  target: string;
}

/** Strips the port and lower-cases a Host header (`Api.Example.com:8080` → `api.example.com`). */
export function hostName(hostHeader: string | undefined): string {
  const h = (hostHeader ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** How well `pattern` matches `host`: 0 no match, 1 any host, 2 a glob (longer is better), exact best. */
function hostScore(pattern: string | undefined, host: string): number {
  if (pattern === undefined || pattern === '' || pattern === '*') return 1;
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) {
    const suffix = p.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length ? 2 + suffix.length : 0;
  }
  return p === host ? 10_000 : 0;
}

function pathMatches(prefix: string, path: string): boolean {
  if (prefix === '/' || prefix === '') return true;
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`);
}

/**
 * The route for a request: the most specific host match first (exact, then the longest glob, then
 * any host), then the longest path prefix. Undefined when nothing matches.
 *
 * @example
 * matchRoute([{ host: '*.example.com', target: 'web' }, { path: '/api', target: 'api' }], 'a.example.com', '/api/x');
 * // → the `web` route: a host match outranks a path match
 */
export function matchRoute(
  routes: readonly HttpRoute[],
  hostHeader: string | undefined,
  path: string,
): HttpRoute | undefined {
  const host = hostName(hostHeader);
  let best: HttpRoute | undefined;
  let bestScore: [number, number] = [0, -1];
  for (const r of routes) {
    const hs = hostScore(r.host, host);
    const prefix = r.path ?? '/';
    if (hs === 0 || !pathMatches(prefix, path)) continue;
    const score: [number, number] = [hs, prefix.length];
    if (score[0] > bestScore[0] || (score[0] === bestScore[0] && score[1] > bestScore[1])) {
      best = r;
      bestScore = score;
    }
  }
  return best;
}

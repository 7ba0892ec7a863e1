/**
 * Host patterns a component may call, e.g. `api.example.com`, `*.example.com`, `127.0.0.1:*`,
 * `example.com:8443`, `*` (anything). A `*.` glob matches one or more labels in front of the suffix
 * (not the bare suffix). A pattern without a port matches only the scheme's default port (80 for
 * http, 443 for https); `:*` matches any port. IPv6 literals are written in brackets (`[::1]:*`).
 */
export type AllowList = readonly string[];

interface Pattern {
  host: string;
  /** A port number, '*' for any, or undefined for the scheme's default port. */
  port: string | undefined;
}

function parsePattern(p: string): Pattern {
  const s = p.trim().toLowerCase();
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+|\*))?$/.exec(s);
  if (!m) return { host: '\0invalid', port: undefined };
  return { host: m[1] ?? '', port: m[2] };
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return pattern === host;
}

/** The port a URL will connect to. */
function effectivePort(url: URL): string {
  if (url.port) return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}

/** True when `url` may be fetched under `allow`. */
export function isAllowed(allow: AllowList, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  const port = effectivePort(url);
  const defaultPort = url.port === '' || url.port === (url.protocol === 'https:' ? '443' : '80');
  return allow.some((raw) => {
    const p = parsePattern(raw);
    if (!hostMatches(p.host, host)) return false;
    if (p.port === '*') return true;
    if (p.port === undefined) return p.host === '*' || defaultPort;
    return p.port === port;
  });
}

/** Splits a link config value (`"a.com, *.b.com 127.0.0.1:*"`) into patterns. */
export function parseAllowList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
}

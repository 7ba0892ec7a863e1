/** How a host's HTTP ingress (the http-server provider) calls components and labels answers. */
import type { CallOptions, HostsView } from '../lattice/index.ts';

/** Methods that change nothing (RFC 9110 "safe"): retried on another instance after a timeout. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Retry policy of an HTTP request sent to a component: a safe method may be retried elsewhere
 * after a silent instance (short, adaptive attempts); any other may run only once, so its one
 * attempt may use the request's whole time (a write waiting for a replicated store to elect a
 * leader should finish, not be cut off after two seconds and reported as a timeout).
 */
export function httpCallOptions(request: unknown, timeoutMs: number): Partial<CallOptions> {
  const raw = (request as { method?: unknown } | null)?.method;
  const method = typeof raw === 'string' ? raw.toUpperCase() : '';
  return SAFE_METHODS.has(method) ? { idempotent: true } : { attemptTimeoutMs: timeoutMs };
}

/**
 * Adds `header: cloud=<cloud>; region=<region>; host=<name>` naming the host that ran the component
 * (provider config `served_by_header`; the host by its id), so load balancers and the simulation can tell who served
 * a request. Off by default: it reveals where work runs.
 */
export function withServedBy(
  response: unknown,
  header: string,
  view: HostsView,
  hostId: string | undefined,
): unknown {
  const r = response as { headers?: unknown } | null;
  if (!r || !Array.isArray(r.headers) || !hostId) return response;
  const entry = view.get(hostId);
  const value = entry
    ? [
        `cloud=${entry.labels.cloud ?? '-'}`,
        `region=${entry.labels.region ?? '-'}`,
        `host=${hostId.slice(0, 12)}`,
      ].join('; ')
    : `host=${hostId}`;
  return { ...r, headers: [...(r.headers as [string, string][]), [header, value]] };
}

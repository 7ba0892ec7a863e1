/**
 * Pure routing decisions: which hosts to try, in which order, for a call to a component.
 * Same host first (no network hop), then hosts sharing the caller's locality labels (e.g. the same
 * cloud), then any host; within a tier the least loaded first.
 */

/** What a caller knows about one host, from its heartbeats. */
export interface HostEntry {
  hostId: string;
  labels: Record<string, string>;
  cordoned: boolean;
  /** Instance counts per component. */
  components: Record<string, number>;
  /** Names of the capability providers running on the host. */
  providers: string[];
  /** Changes whenever the host's inventory does: fetch `host.inventory` again when it moves. */
  inventoryRevision?: number;
  load: { inFlight: number; capacity: number };
  /** Monotonic ms of the last heartbeat, and the host's beat interval. */
  lastSeenMs: number;
  intervalMs: number;
  /** Monotonic ms until which the host is suspected (a call to it just failed); 0 when not. */
  suspectUntilMs: number;
  /** Its last heartbeat said it is draining (or stopping): a `host_stopped` is expected. */
  draining?: boolean;
}

export interface Caller {
  /** The caller's own host, when it runs on one. */
  hostId?: string;
  labels?: Record<string, string>;
  /** Label keys that define locality, most significant first. Default `['cloud', 'region']`. */
  localityKeys?: string[];
}

/** A host is presumed lost after this many missed heartbeats. */
export const MISSED_BEATS_FOR_LOSS = 3;

export function isExpired(entry: HostEntry, nowMs: number): boolean {
  return nowMs - entry.lastSeenMs > entry.intervalMs * MISSED_BEATS_FOR_LOSS;
}

/**
 * Host ids to try for `component` (or, with `kind` `provider`, a provider), best first. Cordoned and expired hosts are left out; suspected
 * hosts go last (still better than failing when nothing else is left).
 *
 * @param random a number in [0, 1) per call, to spread equal candidates; pass a fixed function in tests.
 */
export function rankHosts(
  entries: Iterable<HostEntry>,
  component: string,
  caller: Caller,
  nowMs: number,
  random: () => number = Math.random,
  kind: 'component' | 'provider' = 'component',
): string[] {
  const keys = caller.localityKeys ?? ['cloud', 'region'];
  const scored: { id: string; tier: number; load: number; tie: number }[] = [];
  for (const e of entries) {
    const serves =
      kind === 'component' ? (e.components[component] ?? 0) > 0 : e.providers.includes(component);
    if (!serves || e.cordoned || isExpired(e, nowMs)) continue;
    const suspect = e.suspectUntilMs > nowMs;
    scored.push({
      id: e.hostId,
      tier: suspect ? keys.length + 2 : localityTier(e, caller, keys),
      load: e.load.capacity > 0 ? e.load.inFlight / e.load.capacity : 1,
      tie: random(),
    });
  }
  scored.sort((a, b) => a.tier - b.tier || a.load - b.load || a.tie - b.tie);
  return scored.map((s) => s.id);
}

/** 0 = the caller's own host; 1..n = sharing the first n-1 locality keys; n+1 = anywhere. */
function localityTier(e: HostEntry, caller: Caller, keys: string[]): number {
  if (caller.hostId !== undefined && e.hostId === caller.hostId) return 0;
  const mine = caller.labels ?? {};
  let shared = 0;
  for (const key of keys) {
    if (mine[key] === undefined || mine[key] !== e.labels[key]) break;
    shared++;
  }
  return 1 + (keys.length - shared);
}

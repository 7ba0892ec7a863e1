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
  /** The newest reconciler lease epoch the host has obeyed, as its heartbeat reports it. */
  epoch?: number;
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

/**
 * The ranked hosts for a call that may not be retried after a timeout (not idempotent): those
 * sharing the caller's first locality label (its cloud) first, suspected or not, each group in
 * ranked order. A suspicion (a recent timeout, often a busy host) is a reason to retry an
 * idempotent call elsewhere, but such a call cannot be retried, and a hop to another cloud
 * exposes it to that link: sent as a partition begins, it is lost without an answer.
 */
export function keepLocal(
  ranked: readonly string[],
  labelsOf: (hostId: string) => Record<string, string> | undefined,
  caller: Caller,
): string[] {
  const key = (caller.localityKeys ?? ['cloud', 'region'])[0];
  const mine = key === undefined ? undefined : caller.labels?.[key];
  if (key === undefined || mine === undefined) return [...ranked];
  const local = ranked.filter((h) => h === caller.hostId || labelsOf(h)?.[key] === mine);
  return [...local, ...ranked.filter((h) => !local.includes(h))];
}

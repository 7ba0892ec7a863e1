import type {
  EventRecord,
  FaultRecord,
  JournalRecord,
  PlacementRecord,
  SecondRecord,
  StartRecord,
} from '../journal.ts';

/** Fault kinds that give back what an earlier fault took away; every other kind disrupts. */
const REPAIRS = new Set(['restore', 'heal']);

/** How many healthy seconds in a row count as recovered. */
export const HEALTHY_RUN = 3;

/** What happened after one fault, in milliseconds after it was injected. */
export interface Incident {
  fault: FaultRecord;
  /** Seconds since the load started. */
  atS: number;
  repair: boolean;
  /**
   * A disruption: the first and the last `host_lost` of a target host. A repair: the first and
   * the last `host_started` of a target host (the hosts are back).
   */
  detection?: { firstMs: number; lastMs: number; hosts: number; event: string };
  /**
   * A disruption: the desired number of instances is running again outside the targets
   * (capacity re-placed). A repair: every cloud runs its desired share again (rebalanced).
   */
  placement?: { afterMs: number; instances: Record<string, number> };
  /** The load is error-free with p99 within `thresholdMs` for {@link HEALTHY_RUN} s in a row. */
  recovery?: { afterMs: number };
  /** The p99 counted as normal: twice the median p99 before the fault, at least +5 ms. */
  thresholdMs?: number;
  baselineP99Ms?: number;
  /** The load from the fault to recovery (or to the next fault or the end). */
  during: { ok: number; errors: number; peakP99Ms: number; minPerS: number; seconds: number };
}

export interface Timeline {
  start?: StartRecord;
  /** Wall-clock ms when the load started (x = 0 of the chart). */
  t0: number;
  seconds: SecondRecord[];
  placements: PlacementRecord[];
  events: EventRecord[];
  incidents: Incident[];
  totals: { ok: number; errors: number; seconds: number };
}

const okOf = (s: SecondRecord): number => Object.values(s.servedBy).reduce((a, b) => a + b, 0);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Whether a journal record names one of `targets` (a cloud or a host name or id). */
function matches(
  targets: string[],
  e: { cloud?: string; hostId?: string; name?: string },
): boolean {
  if (targets.length === 0) return true;
  return [e.cloud, e.hostId, e.name].some((x) => x !== undefined && targets.includes(x));
}

/**
 * When a repaired cloud's hosts were all live again (from the heartbeats; a resumed host does not
 * announce itself again): the first placement in which each target cloud, or every cloud when
 * there are no targets, has its full complement of hosts. Undefined when the targets are not
 * clouds.
 */
function hostsBack(
  fault: FaultRecord,
  placements: PlacementRecord[],
  full: Record<string, number>,
): { firstMs: number; lastMs: number; hosts: number } | undefined {
  const clouds = fault.targets.length ? fault.targets : Object.keys(full);
  if (clouds.length === 0 || !clouds.every((c) => (full[c] ?? 0) > 0)) return undefined;
  const firstOf = (cloud: string): number | undefined =>
    placements.find((p) => (p.hosts[cloud] ?? 0) >= (full[cloud] ?? 0))?.at;
  const seen = clouds.map(firstOf);
  if (seen.some((t) => t === undefined)) return undefined;
  const times = seen as number[];
  return {
    firstMs: Math.min(...times) - fault.at,
    lastMs: Math.max(...times) - fault.at,
    hosts: sum(clouds.map((c) => full[c] ?? 0)),
  };
}

/**
 * Derives the timeline of a run from its journal: for each fault, when the lattice detected it,
 * when the placement was whole again, and when the load was back to normal. Pure.
 */
export function deriveTimeline(records: JournalRecord[]): Timeline {
  const byTime = [...records].sort((a, b) => a.at - b.at);
  const start = byTime.find((r): r is StartRecord => r.type === 'start');
  const seconds = byTime.filter((r): r is SecondRecord => r.type === 'second');
  const faults = byTime.filter((r): r is FaultRecord => r.type === 'fault');
  const events = byTime.filter((r): r is EventRecord => r.type === 'event');
  const placements = byTime.filter((r): r is PlacementRecord => r.type === 'placement');
  const t0 = seconds[0] ? seconds[0].at - 1000 : (start?.at ?? faults[0]?.at ?? 0);
  const desired = start?.desired;
  const desiredTotal = desired ? sum(Object.values(desired)) : undefined;
  // Each cloud's full complement of hosts: the most seen at once before the first fault.
  const fullHosts: Record<string, number> = {};
  for (const p of placements.filter((r) => r.at < (faults[0]?.at ?? Infinity)))
    for (const [cloud, n] of Object.entries(p.hosts))
      fullHosts[cloud] = Math.max(fullHosts[cloud] ?? 0, n);

  const incidents = faults.map((fault, i): Incident => {
    const until = faults[i + 1]?.at ?? Infinity;
    const repair = REPAIRS.has(fault.kind);
    const inWindow = <T extends { at: number }>(r: T): boolean => r.at >= fault.at && r.at < until;
    const incident: Incident = {
      fault,
      atS: (fault.at - t0) / 1000,
      repair,
      during: { ok: 0, errors: 0, peakP99Ms: 0, minPerS: 0, seconds: 0 },
    };

    const wanted = repair ? 'host_started' : 'host_lost';
    const hits = events.filter(
      (e) => e.event === wanted && inWindow(e) && matches(fault.targets, e),
    );
    const first = hits[0];
    const back = repair ? hostsBack(fault, placements.filter(inWindow), fullHosts) : undefined;
    if (back) {
      incident.detection = { ...back, event: 'hosts back' };
    } else if (first) {
      const hosts = new Map<string, number>();
      for (const h of hits) if (!hosts.has(h.hostId ?? '')) hosts.set(h.hostId ?? '', h.at);
      incident.detection = {
        firstMs: first.at - fault.at,
        lastMs: Math.max(...hosts.values()) - fault.at,
        hosts: hosts.size,
        event: wanted,
      };
    }

    // Before the loss is noticed every host still counts, so a disruption's placement is judged
    // only from its detection on.
    const placedFrom = repair ? fault.at : first?.at;
    if (placedFrom !== undefined && desired && desiredTotal !== undefined) {
      const whole = (p: PlacementRecord): boolean =>
        repair
          ? Object.entries(desired).every(([cloud, n]) => (p.instances[cloud] ?? 0) === n)
          : sum(
              Object.entries(p.instances)
                .filter(([cloud]) => !fault.targets.includes(cloud))
                .map(([, n]) => n),
            ) >= desiredTotal;
      const placed = placements.find((p) => p.at >= placedFrom && p.at < until && whole(p));
      if (placed)
        incident.placement = { afterMs: placed.at - fault.at, instances: placed.instances };
    }

    const before = seconds.filter((s) => s.at <= fault.at && okOf(s) > 0).slice(-10);
    const baseline = median(before.map((s) => s.p99Ms));
    if (baseline !== undefined) {
      incident.baselineP99Ms = baseline;
      incident.thresholdMs = Math.max(2 * baseline, baseline + 5);
    }
    const healthy = (s: SecondRecord): boolean =>
      s.errors === 0 && (incident.thresholdMs === undefined || s.p99Ms <= incident.thresholdMs);
    // Service cannot have recovered before the platform noticed the failure.
    const anchor = repair ? fault.at : (first?.at ?? fault.at);
    const after = seconds.filter((s) => s.at > anchor && s.at - 1000 < until);
    for (let j = 0; j + HEALTHY_RUN <= after.length; j++) {
      if (after.slice(j, j + HEALTHY_RUN).every(healthy)) {
        const s = after[j];
        if (s) incident.recovery = { afterMs: Math.max(anchor, s.at - 1000) - fault.at };
        break;
      }
    }

    const end = incident.recovery ? fault.at + incident.recovery.afterMs : until;
    const during = seconds.filter(
      (s) => s.at > fault.at && s.at - 1000 < Math.max(end, fault.at + 1),
    );
    incident.during = {
      ok: sum(during.map(okOf)),
      errors: sum(during.map((s) => s.errors)),
      peakP99Ms: Math.max(0, ...during.map((s) => s.p99Ms)),
      minPerS: during.length ? Math.min(...during.map(okOf)) : 0,
      seconds: during.length,
    };
    return incident;
  });

  return {
    ...(start ? { start } : {}),
    t0,
    seconds,
    placements,
    events,
    incidents,
    totals: {
      ok: sum(seconds.map(okOf)),
      errors: sum(seconds.map((s) => s.errors)),
      seconds: seconds.length,
    },
  };
}

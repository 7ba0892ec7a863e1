import type { Scaler, Spread } from '../manifest/types.ts';
import {
  describeRequirements,
  matches,
  type Candidate,
  type PlacementResult,
  type SpreadOutcome,
} from './types.ts';
import { createFlow, type Row } from './flow.ts';
import { splitByWeight } from './weights.ts';

/** A scaler without spreads has one that matches every host. */
export const IMPLICIT_SPREAD: Spread = {
  name: 'default',
  requirements: {},
  weight: 100,
  fallback: 'any',
};

/**
 * Where a spreadscaler's `instances` go. Each spread's share (by weight) lands on eligible hosts
 * matching its requirements, at most ⌈share / eligible hosts⌉ per host (so on distinct hosts when
 * there are enough). A spread with no eligible host borrows, unless its fallback is `none`, the
 * other spreads' hosts (any schedulable host when they have none); it returns as soon as one of
 * its own is eligible again. Instances already running are kept where they still fit, in this
 * order: hosts matching a spread first, healthy, running the desired image, uncordoned,
 * longest-running, then by host id; so trimming duplicates is deterministic. Keeping and placing
 * together form a maximum flow (see `createFlow`), which makes a converged placement a fixed point.
 *
 * @param maxPerHost 1 for capabilities (one provider per host); Infinity for components.
 */
export function planSpread(
  scaler: Scaler,
  unordered: readonly Candidate[],
  maxPerHost = Number.POSITIVE_INFINITY,
): PlacementResult {
  // Host id order throughout, so the plan does not depend on the order hosts were observed in.
  const candidates = [...unordered].sort((a, b) =>
    a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0,
  );
  const spreads = scaler.spreads.length > 0 ? scaler.spreads : [IMPLICIT_SPREAD];
  const targets = splitByWeight(
    scaler.instances,
    spreads.map((s) => s.weight),
  );
  const schedulable = candidates.filter((c) => !c.cordoned);
  const matching = spreads.map((s) => candidates.filter((c) => matches(c.labels, s.requirements)));
  const eligible = matching.map((list) => list.filter((c) => !c.cordoned));

  const rows: Row[] = spreads.map((spread, i) => {
    const target = targets[i] ?? 0;
    let fresh = eligible[i] ?? [];
    const own = new Set((matching[i] ?? []).map((c) => c.hostId));
    const keep = new Set(own);
    let onFallback = false;
    let why: string | undefined;
    if (fresh.length === 0 && target > 0) {
      const req = describeRequirements(spread.requirements);
      why =
        (matching[i] ?? []).length === 0
          ? `no host matches ${req}`
          : `every host matching ${req} is cordoned`;
      if (spread.fallback === 'any') {
        const others = new Set<string>();
        eligible.forEach((list, j) => {
          if (j !== i) for (const c of list) others.add(c.hostId);
        });
        fresh = others.size > 0 ? schedulable.filter((c) => others.has(c.hostId)) : schedulable;
        for (const c of fresh) keep.add(c.hostId);
        onFallback = fresh.length > 0;
        if (!onFallback) why += ', and no other host is eligible';
      } else {
        why += ' (fallback: none)';
      }
    }
    const cap = maxPerHost === 1 ? 1 : fresh.length > 0 ? Math.ceil(target / fresh.length) : target;
    return { spread, target, keep, own, fresh, cap, onFallback, why, at: new Map(), count: 0 };
  });

  const flow = createFlow(rows, maxPerHost);

  const preferredIds = new Set(matching.flat().map((c) => c.hostId));
  const preferred = (c: Candidate): number => (preferredIds.has(c.hostId) ? 0 : 1);
  const survivors = candidates
    .filter((c) => c.units > 0)
    .sort(
      (a, b) =>
        preferred(a) - preferred(b) ||
        Number(b.healthy) - Number(a.healthy) ||
        Number(b.current) - Number(a.current) ||
        Number(a.cordoned) - Number(b.cordoned) ||
        a.since - b.since ||
        (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0),
    );
  for (const c of survivors) {
    const supply = Math.min(c.units, maxPerHost);
    for (let u = 0; u < supply; u++) if (!flow.keep(c.hostId)) break;
  }

  // New instances: per spread, on the eligible host with the fewest of this spread, then of this
  // workload, then the least loaded, then by id.
  for (const r of rows) flow.fill(r);

  const perHost = new Map<string, number>();
  for (const [h, n] of flow.total) if (n > 0) perHost.set(h, n);
  const outcomes = rows.map((r): SpreadOutcome => {
    const unplaced = r.target - r.count;
    const why =
      unplaced > 0
        ? (r.why ??
          (maxPerHost === 1
            ? `only ${r.fresh.length} eligible host${r.fresh.length === 1 ? '' : 's'} for ${r.target} (one per host)`
            : 'no eligible host'))
        : undefined;
    return {
      name: r.spread.name,
      target: r.target,
      placed: r.count,
      onFallback: r.onFallback,
      unplaced,
      ...(why ? { why } : {}),
      at: Object.fromEntries(
        [...r.at].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    };
  });
  return { perHost: new Map([...perHost].sort(([a], [b]) => (a < b ? -1 : 1))), spreads: outcomes };
}

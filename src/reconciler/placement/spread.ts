import type { Scaler, Spread } from '../manifest/types.ts';
import {
  describeRequirements,
  matches,
  type Candidate,
  type PlacementResult,
  type SpreadOutcome,
} from './types.ts';
import { MinHeap } from './heap.ts';
import { splitByWeight } from './weights.ts';

/** A scaler without spreads has one that matches every host. */
export const IMPLICIT_SPREAD: Spread = {
  name: 'default',
  requirements: {},
  weight: 100,
  fallback: 'any',
};

interface Row {
  spread: Spread;
  target: number;
  /** Hosts whose instances may count for this spread (its own, cordoned or not; fallback hosts). */
  keep: Set<string>;
  /** Hosts that may receive new instances, in candidate order. */
  fresh: Candidate[];
  cap: number;
  onFallback: boolean;
  why: string | undefined;
  at: Map<string, number>;
  count: number;
}

/**
 * Where a spreadscaler's `instances` go. Each spread's share (by weight) lands on eligible hosts
 * matching its requirements, at most ⌈share / eligible hosts⌉ per host (so on distinct hosts when
 * there are enough). A spread with no eligible host borrows, unless its fallback is `none`, the
 * other spreads' hosts (any schedulable host when they have none); it returns as soon as one of
 * its own is eligible again. Instances already running are kept where they still fit, in this
 * order: hosts matching a spread first, healthy, running the desired image, uncordoned,
 * longest-running, then by host id; so trimming duplicates is deterministic. The kept set is a maximum (augmenting paths between
 * spreads), which makes a converged placement a fixed point.
 *
 * @param maxPerHost 1 for capabilities (one provider per host); Infinity for components.
 */
export function planSpread(
  scaler: Scaler,
  candidates: readonly Candidate[],
  maxPerHost = Number.POSITIVE_INFINITY,
): PlacementResult {
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
    const keep = new Set((matching[i] ?? []).map((c) => c.hostId));
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
    return { spread, target, keep, fresh, cap, onFallback, why, at: new Map(), count: 0 };
  });

  const get = (r: Row, h: string): number => r.at.get(h) ?? 0;
  const add = (r: Row, h: string, n: number): void => {
    r.at.set(h, get(r, h) + n);
    r.count += n;
  };
  const room = (r: Row, h: string): boolean => r.keep.has(h) && get(r, h) < r.cap;

  /** Keeps one instance on `h`, re-assigning kept ones between spreads if that makes room. */
  const augment = (h: string): boolean => {
    const roots = rows.filter((r) => room(r, h));
    const direct = roots.find((r) => r.count < r.target);
    if (direct) {
      add(direct, h, 1);
      return true;
    }
    const parent = new Map<Row, { from: Row; via: string } | null>();
    const queue: Row[] = [];
    for (const r of roots) {
      parent.set(r, null);
      queue.push(r);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const r = queue[qi]!;
      if (r.count < r.target) {
        // Walk back: each step moves one kept instance on `via` from `from` to the next spread.
        let cur = r;
        let step = parent.get(cur);
        while (step) {
          add(step.from, step.via, -1);
          add(cur, step.via, 1);
          cur = step.from;
          step = parent.get(cur);
        }
        add(cur, h, 1);
        return true;
      }
      for (const next of rows) {
        if (parent.has(next)) continue;
        for (const [via, n] of r.at) {
          if (n > 0 && room(next, via)) {
            parent.set(next, { from: r, via });
            queue.push(next);
            break;
          }
        }
      }
    }
    return false;
  };

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
    for (let u = 0; u < supply; u++) if (!augment(c.hostId)) break;
  }

  // New instances: per spread, on the eligible host with the fewest of this spread, then of this
  // workload, then the least loaded, then by id.
  const total = new Map<string, number>();
  for (const r of rows) for (const [h, n] of r.at) total.set(h, (total.get(h) ?? 0) + n);
  const added = new Map<string, number>();
  for (const r of rows) {
    if (r.count >= r.target) continue;
    // Within one spread only the chosen host's key changes, so a heap per spread suffices.
    const slots = new MinHeap<Slot>(lessSlot);
    for (const c of r.fresh) {
      const h = c.hostId;
      if (get(r, h) >= r.cap || (total.get(h) ?? 0) >= maxPerHost) continue;
      slots.push({
        c,
        mine: get(r, h),
        all: total.get(h) ?? 0,
        load: c.load + (added.get(h) ?? 0),
      });
    }
    while (r.count < r.target) {
      const slot = slots.pop();
      if (!slot) break;
      const h = slot.c.hostId;
      add(r, h, 1);
      total.set(h, (total.get(h) ?? 0) + 1);
      added.set(h, (added.get(h) ?? 0) + 1);
      slot.mine++;
      slot.all++;
      slot.load++;
      if (slot.mine < r.cap && slot.all < maxPerHost) slots.push(slot);
    }
  }

  const perHost = new Map<string, number>();
  for (const [h, n] of total) if (n > 0) perHost.set(h, n);
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

interface Slot {
  c: Candidate;
  mine: number;
  all: number;
  load: number;
}

/** Fewest of this spread, then of this workload, then the least loaded host, then by id. */
function lessSlot(a: Slot, b: Slot): boolean {
  if (a.mine !== b.mine) return a.mine < b.mine;
  if (a.all !== b.all) return a.all < b.all;
  if (a.load !== b.load) return a.load < b.load;
  return a.c.hostId < b.c.hostId;
}

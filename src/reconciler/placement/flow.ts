import type { Spread } from '../manifest/types.ts';
import { MinHeap } from './heap.ts';
import type { Candidate } from './types.ts';

/** One spread being placed: where its instances may stay, where new ones may go, and where they are. */
export interface Row {
  spread: Spread;
  target: number;
  /** Hosts whose instances may count for this spread (its own, cordoned or not; fallback hosts). */
  keep: Set<string>;
  /** Hosts its own requirements match (its non-fallback hosts). */
  own: Set<string>;
  /** Hosts that may receive new instances, in candidate order. */
  fresh: Candidate[];
  /** At most this many of the spread on one host. */
  cap: number;
  onFallback: boolean;
  why: string | undefined;
  at: Map<string, number>;
  count: number;
}

/**
 * Assigns instances to spreads as a maximum flow: spreads want `target` instances, hosts supply
 * the ones already running (`keep`) and free room (`fill`), each spread at most `cap` per host
 * and each host at most `maxPerHost` in all. When a spread cannot take an instance directly,
 * augmenting paths move kept ones between spreads with overlapping hosts to make room. Maximum
 * means a converged placement keeps everything and finds nothing more to add: a fixed point.
 */
export interface Flow {
  /** Instances per host id, over every spread. */
  readonly total: Map<string, number>;
  keep(h: string): boolean;
  fill(r: Row): void;
}

export function createFlow(rows: Row[], maxPerHost: number): Flow {
  const total = new Map<string, number>();
  const added = new Map<string, number>();
  const get = (r: Row, h: string): number => r.at.get(h) ?? 0;
  const add = (r: Row, h: string, n: number): void => {
    r.at.set(h, get(r, h) + n);
    r.count += n;
  };
  const room = (r: Row, h: string): boolean => r.keep.has(h) && get(r, h) < r.cap;
  const needs = (r: Row): boolean => r.count < r.target;
  const placeNew = (r: Row, h: string): void => {
    add(r, h, 1);
    total.set(h, (total.get(h) ?? 0) + 1);
    added.set(h, (added.get(h) ?? 0) + 1);
  };

  /**
   * Breadth-first over spreads from `starts` to a row where `done`; returns the path's start.
   * `give`: a row hands one of its instances (on a host where the next has room) to the next row.
   * `take`: a row takes one of the next row's instances (on a host where it has room).
   * The moves are replayed along the path, so every row but the ends keeps its count.
   */
  const search = (
    starts: Row[],
    mode: 'give' | 'take',
    done: (r: Row) => boolean,
  ): Row | undefined => {
    const parent = new Map<Row, { prev: Row; via: string } | null>();
    const queue: Row[] = [];
    for (const r of starts) {
      parent.set(r, null);
      queue.push(r);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const r = queue[qi]!;
      if (done(r)) {
        let cur = r;
        let step = parent.get(cur);
        while (step) {
          const [from, to] = mode === 'give' ? [step.prev, cur] : [cur, step.prev];
          add(from, step.via, -1);
          add(to, step.via, 1);
          cur = step.prev;
          step = parent.get(cur);
        }
        return cur;
      }
      for (const next of rows) {
        if (parent.has(next)) continue;
        const [from, to] = mode === 'give' ? [r, next] : [next, r];
        for (const [via, n] of from.at) {
          if (n > 0 && room(to, via)) {
            parent.set(next, { prev: r, via });
            queue.push(next);
            break;
          }
        }
      }
    }
    return undefined;
  };

  return {
    total,
    /**
     * Keeps one running instance on `h` for a spread with room there (its own before borrowed
     * ones), moving kept instances between spreads if that lets one that needs it take one.
     */
    keep(h: string): boolean {
      let direct: Row | undefined;
      for (const r of rows) {
        if (!room(r, h) || !needs(r)) continue;
        if (!direct || (r.own.has(h) && !direct.own.has(h))) direct = r;
      }
      if (direct) {
        add(direct, h, 1);
        total.set(h, (total.get(h) ?? 0) + 1);
        return true;
      }
      const roots = rows
        .filter((r) => room(r, h))
        .sort((a, b) => Number(b.own.has(h)) - Number(a.own.has(h)));
      const root = search(roots, 'give', needs);
      if (!root) return false;
      add(root, h, 1);
      total.set(h, (total.get(h) ?? 0) + 1);
      return true;
    },
    /** Places new instances for `r` on its best fresh hosts, then through other spreads. */
    fill(r: Row): void {
      if (!needs(r)) return;
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
      while (needs(r)) {
        const slot = slots.pop();
        if (!slot) break;
        placeNew(r, slot.c.hostId);
        slot.mine++;
        slot.all++;
        slot.load++;
        if (slot.mine < r.cap && slot.all < maxPerHost) slots.push(slot);
      }
      // No room of its own: take another spread's kept instance; that one places a new one.
      const freeSlot = (x: Row): Candidate | undefined =>
        x.fresh.find((c) => get(x, c.hostId) < x.cap && (total.get(c.hostId) ?? 0) < maxPerHost);
      while (needs(r)) {
        let end: { row: Row; slot: Candidate } | undefined;
        const found = search([r], 'take', (x) => {
          const slot = x === r ? undefined : freeSlot(x);
          end = slot ? { row: x, slot } : undefined;
          return end !== undefined;
        });
        if (!found || !end) break;
        // The moves are replayed; the spread at the far end places the new instance.
        placeNew(end.row, end.slot.hostId);
      }
    },
  };
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

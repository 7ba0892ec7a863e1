/** The voter's half of the lease machine (see `lease.ts`): whom it grants, and when it stands. */
import type {
  LeaseAction,
  LeaseMachineOptions,
  LeaseState,
  Release,
  VoteRequest,
} from './lease.ts';

/** A voter's latest grant: a promise to grant no other candidate until `at + leaseMs`. */
export interface Grant {
  candidate: string;
  epoch: number;
  at: number;
  /** The holder gave the epoch up after holding it (step-down, shutdown): the promise is void. */
  released: boolean;
  /**
   * The grant this one replaced. A candidacy given up before it ever held the lease is undone:
   * the voter goes back to this grant (its promise and epoch), as if it had never voted.
   */
  prev: Omit<Grant, 'prev'> | null;
}

/**
 * Answers a vote request (mutates `s`). Grants when the request's member list is ours, this
 * voter's first lease period is over, the epoch is not older than its last grant, and it holds no
 * live promise to a different candidate; a renewal (same candidate and epoch) always passes.
 */
export function vote(s: LeaseState, req: VoteRequest, now: number): LeaseAction[] {
  const o = s.options;
  const actions: LeaseAction[] = [];
  s.knownEpoch = Math.max(s.knownEpoch, req.epoch);
  let ok = false;
  if (!sameMembers(req.members, o.members)) {
    actions.push(conflict(s, now, req.candidate, req.members));
  } else if (
    isMember(o, req.candidate) &&
    now >= s.startedAt + o.leaseMs &&
    now >= s.conflictUntil
  ) {
    const g = s.grant;
    if (!g) ok = true;
    else if (req.epoch < g.epoch) ok = false;
    else if (req.epoch === g.epoch) ok = g.candidate === req.candidate && !g.released;
    else ok = g.candidate === req.candidate || g.released || now >= g.at + o.leaseMs;
  }
  const g0 = s.grant;
  if (ok) {
    const renewal = g0 !== null && g0.candidate === req.candidate && g0.epoch === req.epoch;
    s.grant = {
      candidate: req.candidate,
      epoch: req.epoch,
      at: now,
      released: false,
      prev: renewal ? g0.prev : g0 && strip(g0),
    };
  }
  const g = s.grant;
  actions.push({
    type: 'reply',
    reply: {
      voter: o.id,
      candidate: req.candidate,
      epoch: req.epoch,
      round: req.round,
      granted: ok,
      last: g ? { candidate: g.candidate, epoch: g.epoch } : null,
      members: o.members,
    },
  });
  return actions;
}

/** A candidate gave its epoch up: undo the vote (never held) or void the promise (held). */
export function release(s: LeaseState, r: Release): void {
  s.knownEpoch = Math.max(s.knownEpoch, r.epoch);
  const g = s.grant;
  if (!g || g.candidate !== r.candidate || g.epoch !== r.epoch) return;
  s.grant = r.held ? { ...g, released: true } : g.prev && { ...g.prev, prev: null };
}

function strip(g: Grant): Omit<Grant, 'prev'> {
  return { candidate: g.candidate, epoch: g.epoch, at: g.at, released: g.released };
}

/** A peer runs with another member list: neither act nor grant for one lease period. */
export function conflict(
  s: LeaseState,
  now: number,
  peer: string,
  members: readonly string[],
): LeaseAction {
  s.conflictUntil = Math.max(s.conflictUntil, now + s.options.leaseMs);
  return { type: 'conflict', peer, members };
}

/**
 * When a follower stands: after its quiet first lease period, after its own promise expired
 * (plus a grace for its peers'), after a conflict, staggered by rank; and not before `retryAt`.
 */
export function candidacyAt(s: LeaseState): number {
  const o = s.options;
  const g = s.grant;
  const promiseEnd = g && !g.released ? g.at + o.leaseMs + o.graceMs : Number.NEGATIVE_INFINITY;
  const free = Math.max(s.startedAt + o.leaseMs, promiseEnd, s.conflictUntil);
  return Math.max(free + rankOf(s) * o.staggerMs, s.retryAt);
}

/** Position among the members that may stand next: the one after the last holder goes first. */
export function rankOf(s: LeaseState): number {
  const m = s.options.members;
  const last = s.grant?.candidate;
  const start = last === undefined ? 0 : m.indexOf(last) + 1;
  const order = [...m.slice(start), ...m.slice(0, start)].filter((x) => x !== last);
  const r = order.indexOf(s.options.id);
  return r < 0 ? m.length - 1 : r;
}

export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function isMember(o: LeaseMachineOptions, id: string): boolean {
  return o.members.includes(id);
}

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
 *
 * A newer candidate that finds a promise to another expiring within a round's timeout is answered
 * when it expires (the same rules, then): voters' promises to a dead holder end a few hundred ms
 * apart on a loaded machine, and a refusal would cost the candidate its round.
 */
export function vote(s: LeaseState, req: VoteRequest, now: number): LeaseAction[] {
  const o = s.options;
  const g = s.grant;
  const expiresSoon =
    g !== null &&
    !g.released &&
    g.candidate !== req.candidate &&
    req.epoch > g.epoch &&
    now < g.at + o.leaseMs &&
    g.at + o.leaseMs - now <= o.roundTimeoutMs &&
    sameMembers(req.members, o.members);
  if (expiresSoon && !s.deferred.some((d) => d.request.round === req.round)) {
    s.deferred = [...s.deferred, { request: req, until: g.at + o.leaseMs, grantAt: g.at }];
    return [];
  }
  return answer(s, req, now);
}

/** Answers the deferred requests whose promise has expired (or been renewed) by `now`. */
export function voteDeferred(s: LeaseState, now: number): LeaseAction[] {
  const due = s.deferred.filter((d) => now >= d.until || s.grant?.at !== d.grantAt);
  if (due.length === 0) return [];
  s.deferred = s.deferred.filter((d) => !due.includes(d));
  return due.flatMap((d) => answer(s, d.request, now));
}

function answer(s: LeaseState, req: VoteRequest, now: number): LeaseAction[] {
  const o = s.options;
  const actions: LeaseAction[] = [];
  s.knownEpoch = Math.max(s.knownEpoch, req.epoch);
  if (
    req.renewal === true &&
    req.epoch >= (s.heard?.epoch ?? 0) &&
    sameMembers(req.members, o.members)
  ) {
    s.heard = { candidate: req.candidate, epoch: req.epoch, at: now };
  }
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
  if (s.heard?.candidate === r.candidate && s.heard.epoch === r.epoch) s.heard = null;
  s.deferred = s.deferred.filter(
    (d) => d.request.candidate !== r.candidate || d.request.epoch !== r.epoch,
  );
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
 * (plus a grace for its peers'), a lease period after the last renewal it heard from a holder
 * (granted or not: a voter just out of its quiet period does not challenge a live holder), after a
 * conflict, staggered by rank; and not before `retryAt`.
 */
export function candidacyAt(s: LeaseState): number {
  const o = s.options;
  const g = s.grant;
  const promiseEnd = g && !g.released ? g.at + o.leaseMs + o.graceMs : Number.NEGATIVE_INFINITY;
  const h = s.heard;
  const heardEnd =
    h && h.candidate !== o.id ? h.at + o.leaseMs + o.graceMs : Number.NEGATIVE_INFINITY;
  const free = Math.max(s.startedAt + o.leaseMs, promiseEnd, heardEnd, s.conflictUntil);
  return Math.max(free + rankOf(s) * o.staggerMs, s.retryAt);
}

/**
 * The order in which members may stand next: the one after the last holder first (the last holder
 * is whom this voter last granted before any candidacy of its own, else the holder it last heard).
 */
export function standingOrder(s: LeaseState): string[] {
  const m = s.options.members;
  const g = s.grant;
  const last =
    (g && g.candidate === s.options.id ? g.prev?.candidate : g?.candidate) ?? s.heard?.candidate;
  const start = last === undefined ? 0 : m.indexOf(last) + 1;
  return [...m.slice(start), ...m.slice(0, start)].filter((x) => x !== last);
}

/** Position among the members that may stand next: the one after the last holder goes first. */
export function rankOf(s: LeaseState): number {
  const r = standingOrder(s).indexOf(s.options.id);
  return r < 0 ? s.options.members.length - 1 : r;
}

/**
 * A candidate meeting a competing candidacy (same or newer epoch) from a member ahead of it in the
 * standing order gives way: a split vote is settled in one round trip instead of two timeouts.
 */
export function yieldsTo(s: LeaseState, req: VoteRequest): boolean {
  if (s.role !== 'candidate' || req.renewal === true || req.candidate === s.options.id)
    return false;
  if (req.epoch < s.epoch || !sameMembers(req.members, s.options.members)) return false;
  const order = standingOrder(s);
  const theirs = order.indexOf(req.candidate);
  const ours = order.indexOf(s.options.id);
  return theirs >= 0 && (ours < 0 || theirs < ours);
}

export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function isMember(o: LeaseMachineOptions, id: string): boolean {
  return o.members.includes(id);
}

/**
 * The reconciler lease as a pure state machine: granted by a majority of the reconcilers
 * themselves over request/reply, with no store in the path. Every reconciler is a voter and a
 * candidate; the shell (`lease-nats.ts`) carries the messages, feeds them in as events, performs
 * the actions and ticks the machine at `nextDeadline(state)` at the latest. All times are this
 * process's monotonic milliseconds; no two processes' clocks are ever compared.
 *
 * Rules (`leaseMs` L > `actMs` A):
 * - A voter that grants candidate C epoch e promises to grant no *other* candidate until L after
 *   that grant on its own clock. It grants a request only if it holds no live promise to someone
 *   else, never an epoch older than its last grant, and nothing during its first L after start
 *   (promises an earlier incarnation made have expired by then).
 * - A candidate (and the holder, every `renewMs`) broadcasts a round; the holder acts only until
 *   A after it *sent* the newest round a majority granted.
 *
 * Why two holders never act at once: two majorities share a voter v. Whichever of two rounds v
 * granted second, it granted it at least L after the first (or after a restart and its quiet L),
 * and the first round's holder stopped acting A < L after *sending* that round, which was before v
 * granted it. A later holder also has a larger epoch: v refuses epochs older than its last grant.
 * So acting windows are disjoint and ordered by epoch, whatever the delays, losses, partitions,
 * pauses and crashes; a minority side never gathers a majority, so it never acts.
 */
import {
  candidacyAt,
  conflict,
  isMember,
  rankOf,
  release,
  sameMembers,
  vote,
  voteDeferred,
  yieldsTo,
  type Grant,
} from './lease-voter.ts';

export { candidacyAt, rankOf, sameMembers, vote, type Grant } from './lease-voter.ts';

export interface LeaseTimings {
  /** A voter's promise: after a grant it grants no other candidate for this long. */
  leaseMs: number;
  /** The holder acts until this long after sending the newest round a majority granted (< leaseMs). */
  actMs: number;
  /** How often the holder renews. */
  renewMs: number;
  /** Candidacy stagger per rank, and the back-off step after a failed candidacy. */
  staggerMs: number;
  /** A candidacy round that has no majority after this long is given up. */
  roundTimeoutMs: number;
  /** A follower stands this long after its own promise expired, so its peers' (made a few ms later) have too. */
  graceMs: number;
}

/** Failover after the holder dies ≈ leaseMs + graceMs (measured 2.0–2.6 s in the chaos suite). */
export const DEFAULT_LEASE_TIMINGS: LeaseTimings = {
  leaseMs: 2000,
  actMs: 1500,
  renewMs: 250,
  staggerMs: 300,
  roundTimeoutMs: 500,
  graceMs: 100,
};

export interface LeaseMachineOptions extends LeaseTimings {
  /** This reconciler's id. */
  id: string;
  /** Every voter's id, this one included, sorted: the same list on every reconciler. */
  members: readonly string[];
  /** Unique per process start, so replies meant for an earlier incarnation are never counted. */
  incarnation: string;
}

export interface VoteRequest {
  candidate: string;
  epoch: number;
  /** `<incarnation>:<n>`, echoed in replies. */
  round: string;
  members: readonly string[];
  /** Sent by a holder renewing (not by a candidate standing). */
  renewal?: boolean;
}

export interface VoteReply {
  voter: string;
  candidate: string;
  epoch: number;
  round: string;
  granted: boolean;
  /** The voter's latest grant after this request (live or not), if any. */
  last: { candidate: string; epoch: number } | null;
  members: readonly string[];
}

export interface Release {
  candidate: string;
  epoch: number;
  /** It held the lease with this epoch (and may have acted); false: a candidacy given up. */
  held: boolean;
}

export type LeaseRole = 'follower' | 'candidate' | 'leader' | 'stopped';

interface Round {
  id: string;
  epoch: number;
  sentAt: number;
  granted: string[];
  denied: string[];
  /** A voter that refused it had granted a newer epoch to another member. */
  superseded?: boolean;
}

export interface LeaseState {
  readonly options: LeaseMachineOptions;
  readonly quorum: number;
  /** Start of this incarnation: it grants nothing and does not stand until `startedAt + leaseMs`. */
  readonly startedAt: number;
  role: LeaseRole;
  /** True while the shell was told to act (see `mayAct` for the authoritative check). */
  acting: boolean;
  /** The epoch held or sought. */
  epoch: number;
  /** The largest epoch seen anywhere (requests, replies, releases, the hosts' fences). */
  knownEpoch: number;
  /** This voter's latest grant. */
  grant: Grant | null;
  /** The latest renewal heard from a holder, granted or not: a live holder is not challenged. */
  heard: { candidate: string; epoch: number; at: number } | null;
  /** Requests to answer once the promise they met expires (`until`). */
  deferred: { request: VoteRequest; until: number; grantAt: number }[];
  rounds: Round[];
  nextRound: number;
  /** When the newest round a majority granted was sent. */
  lastRenewOk: number;
  lastRoundAt: number;
  /** Earliest next candidacy after a failed one, and how many failed in a row. */
  retryAt: number;
  failures: number;
  /** A peer with a different member list was seen: neither act nor grant until then. */
  conflictUntil: number;
}

export type LeaseEvent =
  | { type: 'tick' }
  | { type: 'request'; request: VoteRequest }
  | { type: 'reply'; reply: VoteReply }
  | { type: 'release'; release: Release }
  /** The newest epoch some host has accepted: a new epoch must exceed it to be obeyed. */
  | { type: 'epochFloor'; epoch: number }
  /** The holder renews now (before sending commands after a long computation). */
  | { type: 'renewNow' }
  /** Graceful shutdown: stop acting and release, so another takes over at once. */
  | { type: 'stop' };

export type LeaseAction =
  | { type: 'broadcast'; request: VoteRequest }
  | { type: 'reply'; reply: VoteReply }
  | { type: 'release'; release: Release }
  | { type: 'startActing'; epoch: number }
  | { type: 'stopActing'; reason: string }
  | { type: 'conflict'; peer: string; members: readonly string[] };

export interface LeaseStep {
  state: LeaseState;
  actions: LeaseAction[];
}

/** A majority of `n` voters. */
export const quorumOf = (n: number): number => Math.floor(n / 2) + 1;

/** A fresh follower, quiet for one lease period from `now`. */
export function initialLease(options: LeaseMachineOptions, now: number): LeaseState {
  return {
    options,
    quorum: quorumOf(options.members.length),
    startedAt: now,
    role: 'follower',
    acting: false,
    epoch: 0,
    knownEpoch: 0,
    grant: null,
    heard: null,
    deferred: [],
    rounds: [],
    nextRound: 0,
    lastRenewOk: Number.NEGATIVE_INFINITY,
    lastRoundAt: Number.NEGATIVE_INFINITY,
    retryAt: Number.NEGATIVE_INFINITY,
    failures: 0,
    conflictUntil: Number.NEGATIVE_INFINITY,
  };
}

/** Until when the holder may act: `lastRenewOk + actMs`. */
export function actingDeadline(s: LeaseState): number {
  return s.lastRenewOk + s.options.actMs;
}

/** Whether this process may send a command now. The shell checks it before every command. */
export function mayAct(s: LeaseState, now: number): boolean {
  return s.role === 'leader' && now >= s.conflictUntil && now < actingDeadline(s);
}

/** The latest monotonic time at which the shell must tick the machine again. */
export function nextDeadline(s: LeaseState): number {
  if (s.role === 'stopped') return Number.POSITIVE_INFINITY;
  return Math.min(roleDeadline(s), ...s.deferred.map((d) => d.until));
}

function roleDeadline(s: LeaseState): number {
  const o = s.options;
  switch (s.role) {
    case 'stopped':
      return Number.POSITIVE_INFINITY;
    case 'leader':
      return Math.min(
        s.lastRoundAt + o.renewMs,
        s.acting ? actingDeadline(s) : Number.POSITIVE_INFINITY,
      );
    case 'candidate':
      return (s.rounds.at(-1)?.sentAt ?? Number.NEGATIVE_INFINITY) + o.roundTimeoutMs;
    case 'follower':
      return candidacyAt(s);
  }
}

/**
 * One transition. Pure: the same state, event and time give the same result.
 *
 * @example
 * let lease = initialLease({ id: 'a', members: ['a'], incarnation: 'x', ...DEFAULT_LEASE_TIMINGS }, 0);
 * let step = leaseStep(lease, { type: 'tick' }, 2000); // → [{ type: 'broadcast', request: {…} }]
 */
export function leaseStep(state: LeaseState, event: LeaseEvent, now: number): LeaseStep {
  const s: LeaseState = {
    ...state,
    rounds: state.rounds.map((r) => ({ ...r, granted: [...r.granted], denied: [...r.denied] })),
  };
  const actions: LeaseAction[] = [];
  if (s.role === 'stopped') return { state: s, actions };
  switch (event.type) {
    case 'tick':
      break;
    case 'epochFloor':
      s.knownEpoch = Math.max(s.knownEpoch, event.epoch);
      if (s.role === 'leader' && event.epoch > s.epoch) {
        // Hosts already obey a newer epoch (an earlier incarnation's, forgotten by every voter):
        // ours would be refused. Give it up and stand again at once with a larger one.
        giveUp(s, actions);
        s.role = 'follower';
      }
      break;
    case 'request':
      if (yieldsTo(s, event.request)) {
        giveUp(s, actions); // our own vote goes back to what it was, free for them
        s.role = 'follower';
        s.retryAt = now + s.options.roundTimeoutMs + s.options.staggerMs;
      }
      actions.push(...vote(s, event.request, now));
      break;
    case 'reply':
      onReply(s, event.reply, now, actions);
      break;
    case 'release':
      release(s, event.release);
      break;
    case 'renewNow':
      if (s.role === 'leader') s.lastRoundAt = Number.NEGATIVE_INFINITY;
      break;
    case 'stop':
      if (s.role === 'leader' || s.role === 'candidate') giveUp(s, actions);
      s.role = 'stopped';
      updateActing(s, now, actions, 'stopping');
      return { state: s, actions };
  }
  advance(s, now, actions);
  return { state: s, actions };
}

function onReply(s: LeaseState, r: VoteReply, now: number, actions: LeaseAction[]): void {
  const o = s.options;
  s.knownEpoch = Math.max(s.knownEpoch, r.epoch, r.last?.epoch ?? 0);
  if (!sameMembers(r.members, o.members)) {
    actions.push(conflict(s, now, r.voter, r.members));
    return;
  }
  if (r.candidate !== o.id || !isMember(o, r.voter)) return;
  const round = s.rounds.find((x) => x.id === r.round && x.epoch === r.epoch);
  if (!round || round.granted.includes(r.voter) || round.denied.includes(r.voter)) return;
  (r.granted ? round.granted : round.denied).push(r.voter);
  if (!r.granted && r.last && r.last.candidate !== o.id && r.last.epoch > s.epoch) {
    round.superseded = true;
  }
  const hopeless = round.denied.length > o.members.length - s.quorum;
  if (s.role === 'leader' && round.superseded && hopeless) {
    // Voters granted a newer epoch to someone else and this renewal cannot gather a majority:
    // this lease is over. (One such refusal alone may come from a candidacy about to fail, and
    // must not depose a holder the others still renew.) Stand again only once that holder could
    // have lost its own lease.
    giveUp(s, actions);
    s.role = 'follower';
    s.retryAt = now + o.leaseMs + o.graceMs;
    return;
  }
  if (round.granted.length < s.quorum || round.epoch !== s.epoch) return;
  if (s.role === 'candidate') {
    s.role = 'leader';
    s.failures = 0;
  }
  if (s.role === 'leader') s.lastRenewOk = Math.max(s.lastRenewOk, round.sentAt);
}

/** Abandons the epoch held or sought: it is never acted on again, and voters are freed at once. */
function giveUp(s: LeaseState, actions: LeaseAction[]): void {
  const r: Release = { candidate: s.options.id, epoch: s.epoch, held: s.role !== 'candidate' };
  actions.push({ type: 'release', release: r });
  release(s, r);
  s.rounds = [];
}

/** Timers: renew, give up a stalled candidacy, stand, and start or stop acting. */
function advance(s: LeaseState, now: number, actions: LeaseAction[]): void {
  const o = s.options;
  actions.push(...voteDeferred(s, now));
  s.rounds = s.rounds.filter((r) => now < r.sentAt + o.leaseMs);
  if (s.role === 'leader' && now >= s.lastRenewOk + o.leaseMs && now >= s.lastRoundAt + o.renewMs) {
    // No majority for a whole lease period: every promise to us may have expired. Follow (and
    // stop holding our own voter's promise), so that a majority can form again.
    giveUp(s, actions);
    s.role = 'follower';
  }
  if (s.role === 'leader' && now >= s.lastRoundAt + o.renewMs) sendRound(s, now, actions);
  if (s.role === 'candidate') {
    const r = s.rounds.at(-1);
    const hopeless = !r || r.denied.length > o.members.length - s.quorum;
    if (hopeless || now >= r.sentAt + o.roundTimeoutMs) {
      giveUp(s, actions);
      s.role = 'follower';
      s.failures++;
      // Stand again in rank order (the first in rank soonest: after a split vote it wins with the
      // others' votes, now released), backing off as failures repeat, with a jitter drawn from
      // this member's id and epoch so that members that see the same rank do not collide again.
      const spread = o.staggerMs * (1 + rankOf(s)) * Math.min(s.failures, 4);
      s.retryAt = now + spread + (o.staggerMs / 2) * jitter(`${o.id}:${s.epoch}`);
    }
  }
  if (s.role === 'follower' && now >= candidacyAt(s)) {
    s.role = 'candidate';
    s.epoch = s.knownEpoch + 1;
    s.knownEpoch = s.epoch;
    sendRound(s, now, actions);
  }
  updateActing(s, now, actions, reasonNotActing(s, now));
}

function sendRound(s: LeaseState, now: number, actions: LeaseAction[]): void {
  const o = s.options;
  const round: Round = {
    id: `${o.incarnation}:${s.nextRound++}`,
    epoch: s.epoch,
    sentAt: now,
    granted: [],
    denied: [],
  };
  s.rounds.push(round);
  s.lastRoundAt = now;
  actions.push({
    type: 'broadcast',
    request: {
      candidate: o.id,
      epoch: s.epoch,
      round: round.id,
      members: o.members,
      ...(s.role === 'leader' ? { renewal: true } : {}),
    },
  });
}

function updateActing(s: LeaseState, now: number, actions: LeaseAction[], reason: string): void {
  const act = mayAct(s, now);
  if (act && !s.acting) actions.push({ type: 'startActing', epoch: s.epoch });
  if (!act && s.acting) actions.push({ type: 'stopActing', reason });
  s.acting = act;
}

function reasonNotActing(s: LeaseState, now: number): string {
  if (s.role !== 'leader') return 'another reconciler holds a newer lease';
  if (now < s.conflictUntil) return 'a reconciler with a different --peers list is running';
  return `no majority renewed the lease for ${Math.round(now - s.lastRenewOk)} ms`;
}

/** A number in [0, 1) from a string (FNV-1a): deterministic, yet different per member and epoch. */
function jitter(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

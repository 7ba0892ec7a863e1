import { createInbox, type Msg, type NatsConnection } from '@nats-io/nats-core';
import {
  decodeJson,
  encodeJson,
  makeEvent,
  subjectsFor,
  type LatticeSubjects,
} from '../lattice/index.ts';
import {
  AloftError,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
} from '../support/index.ts';
import {
  DEFAULT_LEASE_TIMINGS,
  initialLease,
  leaseStep,
  mayAct,
  nextDeadline,
  type LeaseAction,
  type LeaseEvent,
  type LeaseState,
  type LeaseTimings,
  type VoteRequest,
} from './lease.ts';
import {
  LeaseStatus,
  ReleaseMessage,
  VoteReplyMessage,
  VoteRequestMessage,
} from './lease-messages.ts';

/** Who acts. Only the holder of a fresh lease issues commands; every command carries its epoch. */
export interface Lease {
  /** True while this process holds the lease and a majority renewed it recently enough to act. */
  isLeader(): boolean;
  /** The epoch of the lease this process holds or last sought (0 before it ever stood). */
  epoch(): number;
  /** Whom this reconciler's vote is promised to, if anyone (the holder, as far as it knows). */
  holder(): string | undefined;
  status(): LeaseStatus;
  /**
   * Renews now and resolves true once a majority granted it (false if not within a round's
   * timeout): call before acting on a decision that took long to compute.
   */
  confirm(): Promise<boolean>;
  onChange(listener: (leader: boolean) => void): () => void;
  stop(): Promise<void>;
}

export interface LeaseOptions extends Partial<LeaseTimings> {
  /** Every reconciler's id, this one's included: the voters. Default: this one alone. */
  peers?: readonly string[];
  /** The newest epoch the hosts have obeyed (from their heartbeats); a new epoch exceeds it. */
  epochFloor?: () => number;
  clock?: Clock;
  logger?: Logger;
}

/** The sorted voter list, or a clear error if this reconciler is not in it. */
export function leaseMembers(id: string, peers: readonly string[] | undefined): string[] {
  const members = [...new Set((peers ?? []).map((p) => p.trim()).filter(Boolean))];
  if (members.length === 0) return [id];
  if (!members.includes(id)) {
    throw new AloftError(
      'USAGE',
      `--peers ${members.join(',')} does not include this reconciler's id ${JSON.stringify(id)}`,
      { hint: 'list every reconciler, this one included, the same way on each of them' },
    );
  }
  return members.sort();
}

/**
 * The lease, granted by a majority of the reconcilers over core NATS request/reply (the rules are
 * in `lease.ts`): no stream, no store, no leader election of anything else in the path, so the
 * failover time is the lease period plus a round trip, whatever JetStream is doing. A reconciler
 * alone (`peers` unset) is its own majority.
 */
export async function startLease(
  nc: NatsConnection,
  lattice: string,
  id: string,
  options: LeaseOptions = {},
): Promise<Lease> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const s: LatticeSubjects = subjectsFor(lattice);
  const members = leaseMembers(id, options.peers);
  const timings: LeaseTimings = { ...DEFAULT_LEASE_TIMINGS };
  for (const k of Object.keys(timings) as (keyof LeaseTimings)[]) {
    const v = options[k];
    if (v !== undefined) timings[k] = v;
  }
  if (!(timings.actMs < timings.leaseMs)) {
    throw new AloftError('USAGE', `lease actMs (${timings.actMs}) must be below leaseMs`);
  }
  const incarnation = createInbox('').slice(1, 13);
  let state: LeaseState = initialLease({ id, members, incarnation, ...timings }, clock.monotonic());
  const listeners = new Set<(leader: boolean) => void>();
  const waiters = new Set<() => void>();
  /** Vote requests whose answer the machine deferred, by round. */
  const awaiting = new Map<string, { msg: Msg; at: number }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastConflictLog = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const perform = (actions: LeaseAction[], msg?: Msg): void => {
    for (const a of actions) {
      switch (a.type) {
        case 'broadcast':
          void collect(a.request);
          break;
        case 'reply': {
          // A deferred answer comes from a later tick: reply to the request it answers.
          const to = msg ?? awaiting.get(a.reply.round)?.msg;
          awaiting.delete(a.reply.round);
          to?.respond(encodeJson(a.reply));
          break;
        }
        case 'release':
          nc.publish(s.lease.release, encodeJson(a.release));
          break;
        case 'startActing':
          log.info('acting: a majority granted the lease', { epoch: a.epoch, members });
          nc.publish(
            s.event('reconciler_acting'),
            encodeJson(
              makeEvent(
                'reconciler_acting',
                `aloft://${lattice}/reconciler/${id}`,
                { id, epoch: a.epoch, members },
                { subject: id },
              ),
            ),
          );
          for (const l of listeners) l(true);
          break;
        case 'stopActing':
          log.info('not acting', { reason: a.reason, epoch: state.epoch });
          for (const l of listeners) l(false);
          break;
        case 'conflict':
          if (clock.monotonic() - lastConflictLog > timings.leaseMs) {
            lastConflictLog = clock.monotonic();
            log.error('reconciler peers disagree: nobody acts until they match', {
              peer: a.peer,
              theirPeers: a.members,
              ourPeers: members,
              hint: 'run every reconciler with the same --peers list',
            });
          }
          break;
      }
    }
  };
  const step = (event: LeaseEvent, msg?: Msg): void => {
    if (stopped && event.type !== 'stop') return;
    const now = clock.monotonic();
    const r = leaseStep(state, event, now);
    state = r.state;
    if (msg && event.type === 'request' && !r.actions.some((a) => a.type === 'reply')) {
      awaiting.set(event.request.round, { msg, at: now }); // answered when its promise expires
    }
    for (const [round, w] of awaiting) {
      if (now - w.at > 4 * timings.roundTimeoutMs) awaiting.delete(round);
    }
    perform(r.actions, msg);
    for (const w of waiters) w();
    schedule();
  };
  const tick = (): void => {
    const floor = options.epochFloor?.() ?? 0;
    if (floor > state.knownEpoch) step({ type: 'epochFloor', epoch: floor });
    step({ type: 'tick' });
  };
  /**
   * Sends a round and feeds every answer back, for a round's timeout (plus room for a voter that
   * answers when its promise expires). Replies come to this connection's own inbox, whatever
   * prefix its credentials impose.
   */
  const collect = async (request: VoteRequest): Promise<void> => {
    try {
      const replies = await nc.requestMany(s.lease.vote, encodeJson(request), {
        strategy: 'timer',
        maxWait: timings.roundTimeoutMs + 200,
      });
      for await (const m of replies) {
        try {
          step({ type: 'reply', reply: decodeJson(m.data, VoteReplyMessage, 'vote reply') });
        } catch (err) {
          log.debug('ignored a malformed vote reply', { error: err });
        }
      }
    } catch (err) {
      log.debug('a lease round could not be sent', { error: err }); // it simply gets no majority
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const wait = Math.max(0, Math.min(timings.renewMs, nextDeadline(state) - clock.monotonic()));
    // Through setImmediate: after a pause, messages already received are handled first.
    timer = setTimeout(() => setImmediate(tick), wait);
  };
  const listen = <T>(
    subject: string,
    what: string,
    parse: (m: Msg) => T,
    on: (v: T, m: Msg) => void,
  ) =>
    nc.subscribe(subject, {
      callback: (err, m) => {
        if (err) return;
        try {
          on(parse(m), m);
        } catch (e) {
          log.debug(`ignored a malformed ${what}`, { subject: m.subject, error: e });
        }
      },
    });
  const subs = [
    listen(
      s.lease.vote,
      'vote request',
      (m) => decodeJson(m.data, VoteRequestMessage, 'vote request'),
      (request, m) => step({ type: 'request', request }, m),
    ),
    listen(
      s.lease.release,
      'lease release',
      (m) => decodeJson(m.data, ReleaseMessage, 'lease release'),
      (release) => step({ type: 'release', release }),
    ),
    listen(
      s.lease.status,
      'status request',
      () => undefined,
      (_v, m) => {
        m.respond(encodeJson(status()));
      },
    ),
  ];
  await nc.flush();
  schedule();

  const status = (): LeaseStatus => {
    const g = state.grant;
    const now = clock.monotonic();
    return {
      id,
      role: state.role,
      acting: mayAct(state, now),
      epoch: state.epoch,
      members,
      promisedTo: g && !g.released && now < g.at + timings.leaseMs ? g.candidate : null,
    };
  };

  return {
    isLeader: () => mayAct(state, clock.monotonic()),
    epoch: () => state.epoch,
    holder: () => status().promisedTo ?? undefined,
    status,
    confirm: () => {
      if (!mayAct(state, clock.monotonic())) return Promise.resolve(false);
      const sentAt = clock.monotonic();
      step({ type: 'renewNow' });
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean): void => {
          waiters.delete(check);
          clearTimeout(t);
          resolve(ok);
        };
        const check = (): void => {
          if (state.role !== 'leader') done(false);
          else if (state.lastRenewOk >= sentAt) done(mayAct(state, clock.monotonic()));
        };
        const t = setTimeout(() => done(false), timings.roundTimeoutMs);
        waiters.add(check);
        check();
      });
    },
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stop: async () => {
      if (stopped) return;
      step({ type: 'stop' });
      stopped = true;
      if (timer) clearTimeout(timer);
      await nc.flush().catch(() => undefined);
      for (const sub of subs) sub.unsubscribe();
      for (const w of waiters) w();
    },
  };
}

/**
 * Asks every reconciler of the lattice for its view of the lease, collecting answers for
 * `waitMs`: who acts, with which epoch, and whether they agree on the member list.
 *
 * @example
 * const views = await leaseStatus(nc, 'default');
 * const acting = views.find((v) => v.acting)?.id;
 */
export async function leaseStatus(
  nc: NatsConnection,
  lattice: string,
  waitMs = 250,
): Promise<LeaseStatus[]> {
  const out: LeaseStatus[] = [];
  try {
    const replies = await nc.requestMany(subjectsFor(lattice).lease.status, undefined, {
      strategy: 'timer',
      maxWait: waitMs,
    });
    for await (const m of replies) {
      const parsed = LeaseStatus.safeParse(safeJson(m.data));
      if (parsed.success) out.push(parsed.data);
    }
  } catch {
    // no reconciler answered
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}

/**
 * The reconciler lease as a pure state machine. One KV key holds `{holder, epoch}`; writes are
 * compare-and-swap on the key's revision. The shell (the process) performs the actions, feeds the
 * outcomes back as events, and ticks the machine at `nextDeadline(state)` at the latest. All times
 * are this process's monotonic milliseconds; no two machines' clocks are ever compared.
 *
 * Safety: a write sent at `s` is committed after `s`, and a contender sees a revision only after
 * it is committed. The holder acts only until `lastRenewOk + ttl - margin`, where `lastRenewOk`
 * is when its last successful write was *sent*; a contender takes over only once it has seen the
 * same revision for `ttl` (its `observedExpiry`). So a holder that cannot renew (cut off from the
 * quorum) is quiet at least `margin` before anyone else may act.
 */

export interface LeaseValue {
  /** Null: released (the next contender may take over at once). */
  holder: string | null;
  epoch: number;
}

export interface LeaseMachineOptions {
  /** This process's id, written as the holder. */
  id: string;
  /** How long a lease stays valid without renewal. */
  ttlMs: number;
  /** How often the holder renews and followers read. */
  renewMs: number;
  /** The holder stops acting this long before a contender could take over. */
  marginMs: number;
}

export type LeaseRole = 'follower' | 'candidate' | 'leader' | 'stopped';

export interface LeaseState {
  readonly options: LeaseMachineOptions;
  role: LeaseRole;
  /** True while this process may issue commands (a leader whose lease is fresh). */
  acting: boolean;
  /** The epoch we hold or try to take (0 before we ever did). */
  epoch: number;
  /** The newest epoch seen in the key. A takeover writes `newestEpoch + 1`. */
  newestEpoch: number;
  /** Last revision seen of the key (0: absent) and its value. */
  revision: number;
  value: LeaseValue | null;
  /** When `revision` was first seen. */
  seenAt: number;
  /** When our last successful write was sent. */
  lastRenewOk: number;
  /** When our pending write / read was sent; null when none is pending. */
  writeSentAt: number | null;
  readSentAt: number | null;
  lastWriteAt: number;
  lastReadAt: number;
}

export type LeaseEvent =
  | { type: 'tick' }
  /** The key as read (or as a watch delivered it); `revision` 0 and `value` null when absent. */
  | { type: 'read'; revision: number; value: LeaseValue | null }
  | { type: 'readFailed' }
  /** Our pending write was committed at `revision`. */
  | { type: 'written'; revision: number }
  /** Our pending write failed: `conflict` when the revision had moved (someone else wrote). */
  | { type: 'writeFailed'; conflict: boolean }
  /** Graceful shutdown: stop acting and release the lease so another takes over at once. */
  | { type: 'stop' };

export type LeaseAction =
  | { type: 'read' }
  /** Compare-and-swap: write `value` only if the key is at `expectedRevision` (0: create). */
  | { type: 'write'; expectedRevision: number; value: LeaseValue }
  | { type: 'startActing'; epoch: number }
  | { type: 'stopActing'; reason: string };

export interface LeaseStep {
  state: LeaseState;
  actions: LeaseAction[];
}

/** A follower that has seen nothing yet; its first tick reads the key. */
export function initialLease(options: LeaseMachineOptions): LeaseState {
  return {
    options,
    role: 'follower',
    acting: false,
    epoch: 0,
    newestEpoch: 0,
    revision: 0,
    value: null,
    seenAt: Number.NEGATIVE_INFINITY,
    lastRenewOk: Number.NEGATIVE_INFINITY,
    writeSentAt: null,
    readSentAt: null,
    lastWriteAt: Number.NEGATIVE_INFINITY,
    lastReadAt: Number.NEGATIVE_INFINITY,
  };
}

/** When a contender may take over the lease it last saw (∞ before it has read the key). */
export function observedExpiry(s: LeaseState): number {
  if (s.seenAt === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (s.value === null || s.value.holder === null) return s.seenAt;
  return s.seenAt + s.options.ttlMs;
}

/** Until when the holder may act: `lastRenewOk + ttl - margin`. */
export function actingDeadline(s: LeaseState): number {
  return s.lastRenewOk + s.options.ttlMs - s.options.marginMs;
}

/**
 * Whether the holder may send a command now. The shell checks this before every command, so a
 * late tick never stretches the lease.
 */
export function mayAct(s: LeaseState, now: number): boolean {
  return s.role === 'leader' && s.acting && now < actingDeadline(s);
}

/** The latest monotonic time at which the shell must tick the machine again. */
export function nextDeadline(s: LeaseState): number {
  const { renewMs } = s.options;
  switch (s.role) {
    case 'stopped':
      return Number.POSITIVE_INFINITY;
    case 'leader':
      return Math.min(
        s.acting ? actingDeadline(s) : Number.POSITIVE_INFINITY,
        s.writeSentAt === null ? s.lastWriteAt + renewMs : Number.POSITIVE_INFINITY,
      );
    case 'candidate':
      return Number.POSITIVE_INFINITY;
    case 'follower':
      return Math.min(
        s.readSentAt === null ? s.lastReadAt + renewMs : Number.POSITIVE_INFINITY,
        Math.max(observedExpiry(s), s.lastWriteAt + renewMs),
      );
  }
}

/**
 * One transition. Pure: the same state, event and time give the same result.
 *
 * @example
 * let lease = initialLease({ id: 'r1', ttlMs: 4000, renewMs: 1000, marginMs: 1000 });
 * let step = leaseStep(lease, { type: 'tick' }, clock.monotonic()); // → actions [{ type: 'read' }]
 * step = leaseStep(step.state, { type: 'read', revision: 0, value: null }, clock.monotonic());
 * // → [{ type: 'write', expectedRevision: 0, value: { holder: 'r1', epoch: 1 } }]
 */
export function leaseStep(state: LeaseState, event: LeaseEvent, now: number): LeaseStep {
  const s: LeaseState = { ...state };
  const actions: LeaseAction[] = [];
  const stopActing = (reason: string): void => {
    if (s.acting) actions.push({ type: 'stopActing', reason });
    s.acting = false;
  };
  const become = (role: LeaseRole): void => {
    s.role = role;
    if (role !== 'leader') stopActing('no longer the lease holder');
  };

  switch (event.type) {
    case 'stop':
      stopActing('stopping');
      if (s.role === 'leader' && s.writeSentAt === null) {
        actions.push({
          type: 'write',
          expectedRevision: s.revision,
          value: { holder: null, epoch: s.epoch },
        });
      }
      s.role = 'stopped';
      return { state: s, actions };
    case 'read':
      s.readSentAt = null;
      s.lastReadAt = now;
      // Revisions only grow: a read sent before our own write may answer after it.
      if (event.revision < s.revision && s.seenAt !== Number.NEGATIVE_INFINITY) break;
      if (event.revision !== s.revision || s.seenAt === Number.NEGATIVE_INFINITY) {
        s.revision = event.revision;
        s.value = event.value;
        s.seenAt = now;
      }
      if (event.value) s.newestEpoch = Math.max(s.newestEpoch, event.value.epoch);
      if (s.role === 'leader' && event.value?.holder !== s.options.id) {
        become('follower');
      }
      break;
    case 'readFailed':
      s.readSentAt = null;
      s.lastReadAt = now;
      break;
    case 'written': {
      if (s.writeSentAt === null) break;
      const sentAt = s.writeSentAt;
      s.writeSentAt = null;
      s.revision = event.revision;
      s.value = { holder: s.options.id, epoch: s.epoch };
      s.newestEpoch = Math.max(s.newestEpoch, s.epoch);
      s.seenAt = now;
      if (s.role === 'stopped') break;
      s.role = 'leader';
      s.lastRenewOk = Math.max(s.lastRenewOk, sentAt);
      break;
    }
    case 'writeFailed':
      s.writeSentAt = null;
      if (event.conflict && s.role !== 'stopped') {
        // Someone else holds it now: read who, and follow.
        become('follower');
        s.seenAt = Number.NEGATIVE_INFINITY;
        s.lastReadAt = Number.NEGATIVE_INFINITY;
      } else if (s.role === 'candidate') {
        become('follower');
      }
      break;
    case 'tick':
      break;
  }
  if (s.role === 'stopped') return { state: s, actions };

  // Deadlines and periodic work, whatever the event was.
  if (s.role === 'leader') {
    if (now < actingDeadline(s)) {
      if (!s.acting) {
        s.acting = true;
        actions.push({ type: 'startActing', epoch: s.epoch });
      }
    } else {
      stopActing(`lease not renewed for ${now - s.lastRenewOk} ms`);
    }
    if (s.writeSentAt === null && now >= s.lastWriteAt + s.options.renewMs) {
      s.writeSentAt = now;
      s.lastWriteAt = now;
      actions.push({
        type: 'write',
        expectedRevision: s.revision,
        value: { holder: s.options.id, epoch: s.epoch },
      });
    }
  } else if (s.role === 'follower') {
    if (
      s.seenAt !== Number.NEGATIVE_INFINITY &&
      now >= observedExpiry(s) &&
      s.writeSentAt === null &&
      now >= s.lastWriteAt + s.options.renewMs
    ) {
      // Take over: a new epoch, written only if nobody renewed since we looked.
      s.role = 'candidate';
      s.epoch = s.newestEpoch + 1;
      s.writeSentAt = now;
      s.lastWriteAt = now;
      actions.push({
        type: 'write',
        expectedRevision: s.revision,
        value: { holder: s.options.id, epoch: s.epoch },
      });
    } else if (s.readSentAt === null && now >= s.lastReadAt + s.options.renewMs) {
      s.readSentAt = now;
      actions.push({ type: 'read' });
    }
  }
  return { state: s, actions };
}

/**
 * A discrete-event simulation of reconcilers running the pure lease machine against each other:
 * every message with its own delay (reordering included), losses, partitions, pauses (late timers,
 * queued messages), crashes with restarts (a new process: new clock origin, empty memory) and
 * graceful stops; each process on its own monotonic clock, with drift. It records every interval
 * in which a process's state allowed it to act, in simulated real time.
 */
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
} from '../../src/reconciler/index.ts';

export interface SimFault {
  kind: 'crash' | 'stop' | 'pause' | 'partition';
  node: number;
  /** Real ms. */
  at: number;
  /** Down / paused / cut for this long; a crashed or stopped node restarts afterwards. */
  length: number;
}

export interface SimOptions {
  n: number;
  seed: number;
  faults?: SimFault[];
  /** Chaos until `chaosUntil` (real ms): losses, long delays, late timers. Calm afterwards. */
  chaosUntil?: number;
  end: number;
  dropRate?: number;
  maxDelayMs?: number;
  /** One message in this many is delayed up to `longDelayMs`. */
  longDelayEvery?: number;
  longDelayMs?: number;
  maxLateMs?: number;
  /** Clock rate spread around 1 (0.0005 = ±0.05 %). */
  drift?: number;
  timings?: LeaseTimings;
  /** Every delivered event and the actions it caused, for debugging a counterexample. */
  trace?: (line: string) => void;
  /** The newest epoch hosts have accepted at the start (they report it in heartbeats). */
  epochFloor?: number;
}

export interface ActingWindow {
  actor: string;
  node: number;
  epoch: number;
  from: number;
  to: number;
}

export interface SimResult {
  windows: ActingWindow[];
  /** The first time each actor (`node#incarnation`) was told to act, with its epoch. */
  starts: { t: number; node: number; actor: string; epoch: number }[];
  actingAt(t: number): number[];
  conflicts: number;
  nodes: { state: LeaseState | null; alive: boolean }[];
}

type Queued = { at: number; seq: number; node: number; incarnation: number; event: LeaseEvent };

export function simulate(o: SimOptions): SimResult {
  const timings = o.timings ?? DEFAULT_LEASE_TIMINGS;
  let rnd = o.seed >>> 0 || 1;
  const random = (): number => {
    rnd ^= rnd << 13;
    rnd >>>= 0;
    rnd ^= rnd >>> 17;
    rnd ^= rnd << 5;
    rnd >>>= 0;
    return rnd / 2 ** 32;
  };
  const faults = o.faults ?? [];
  const chaosUntil = o.chaosUntil ?? 0;
  const members = Array.from({ length: o.n }, (_, i) => `r${i}`);
  const drift = o.drift ?? 0.0005;
  type Proc = {
    state: LeaseState | null;
    incarnation: number;
    offset: number;
    rate: number;
    pausedUntil: number;
    backlog: Queued[];
    timer: number;
  };
  const procs: Proc[] = members.map(() => ({
    state: null,
    incarnation: 0,
    offset: 0,
    rate: 1,
    pausedUntil: 0,
    backlog: [],
    timer: -1,
  }));
  const windows: ActingWindow[] = [];
  const starts: SimResult['starts'] = [];
  let conflicts = 0;
  let seq = 0;
  let hostsEpoch = o.epochFloor ?? 0;
  const queue: Queued[] = [];
  const push = (q: Omit<Queued, 'seq'>): void => {
    queue.push({ ...q, seq: seq++ });
  };
  const local = (p: Proc, t: number): number => p.offset + p.rate * t;
  const real = (p: Proc, l: number): number => (l - p.offset) / p.rate;
  const actor = (i: number): string => `r${i}#${procs[i]!.incarnation}`;

  const boot = (i: number, t: number): void => {
    const p = procs[i]!;
    p.incarnation++;
    p.offset = 1e6 * (1 + Math.floor(random() * 1000));
    p.rate = 1 + (random() * 2 - 1) * drift;
    p.backlog = [];
    p.state = initialLease(
      { id: members[i]!, members, incarnation: `${i}.${p.incarnation}`, ...timings },
      local(p, t),
    );
    schedule(i, t);
  };
  const down = (i: number, t: number): void => {
    const p = procs[i]!;
    for (const w of windows) if (w.actor === actor(i) && w.to > t) w.to = Math.max(w.from, t);
    p.state = null;
  };
  const cut = (a: number, b: number, t: number): boolean =>
    a !== b &&
    faults.some(
      (f) =>
        f.kind === 'partition' &&
        (f.node === a || f.node === b) &&
        t >= f.at &&
        t < f.at + f.length,
    );
  const send = (from: number, to: number, t: number, event: LeaseEvent): void => {
    const chaos = t < chaosUntil;
    if (cut(from, to, t)) return;
    if (chaos && random() < (o.dropRate ?? 0)) return;
    let delay = random() * (o.maxDelayMs ?? 5);
    if (chaos && o.longDelayEvery && random() < 1 / o.longDelayEvery)
      delay = random() * (o.longDelayMs ?? 3000);
    if (from === to) delay = Math.min(delay, 2);
    push({ at: t + delay, node: to, incarnation: -1, event });
  };
  const perform = (i: number, t: number, actions: LeaseAction[]): void => {
    for (const a of actions) {
      switch (a.type) {
        case 'broadcast':
          for (let j = 0; j < o.n; j++) send(i, j, t, { type: 'request', request: a.request });
          break;
        case 'release':
          for (let j = 0; j < o.n; j++) send(i, j, t, { type: 'release', release: a.release });
          break;
        case 'reply': {
          const to = members.indexOf(a.reply.candidate);
          if (to >= 0) send(i, to, t, { type: 'reply', reply: a.reply });
          break;
        }
        case 'startActing':
          starts.push({ t, node: i, actor: actor(i), epoch: a.epoch });
          // It commands hosts at once; they fence on the epoch and report it in their heartbeats.
          hostsEpoch = Math.max(hostsEpoch, a.epoch);
          break;
        case 'conflict':
          conflicts++;
          break;
        case 'stopActing':
          break;
      }
    }
  };
  const record = (i: number, t: number): void => {
    const p = procs[i]!;
    const s = p.state;
    if (!s || s.role !== 'leader') {
      // It gave the lease up itself (step-down, shutdown): from now on `mayAct` is false.
      for (const w of windows) if (w.actor === actor(i) && w.to > t) w.to = Math.max(w.from, t);
      return;
    }
    const from = Math.max(t, real(p, s.conflictUntil));
    const to = real(p, s.lastRenewOk + s.options.actMs);
    if (to <= from || !mayAct(s, local(p, from))) return;
    windows.push({ actor: actor(i), node: i, epoch: s.epoch, from, to });
  };
  const deliver = (i: number, t: number, event: LeaseEvent): void => {
    const p = procs[i]!;
    if (!p.state) return;
    const r = leaseStep(p.state, event, local(p, t));
    p.state = r.state;
    o.trace?.(
      `${t.toFixed(1)} ${actor(i)} ${r.state.role} ${JSON.stringify(event)} → ${JSON.stringify(r.actions)}`,
    );
    perform(i, t, r.actions);
    record(i, t);
  };
  const schedule = (i: number, t: number): void => {
    const p = procs[i]!;
    if (!p.state) return;
    const due = Math.min(real(p, nextDeadline(p.state)), t + 250);
    const late = t < chaosUntil ? random() * (o.maxLateMs ?? 0) : 0;
    p.timer = Math.max(t + 1, due + late);
    push({ at: p.timer, node: i, incarnation: p.incarnation, event: { type: 'tick' } });
  };

  for (let i = 0; i < o.n; i++) boot(i, random() * 500);
  const control: { at: number; run: () => void }[] = [];
  for (const f of faults) {
    const i = f.node % o.n;
    if (f.kind === 'crash' || f.kind === 'stop') {
      control.push({
        at: f.at,
        run: () => {
          if (!procs[i]!.state) return;
          if (f.kind === 'stop') deliver(i, f.at, { type: 'stop' });
          down(i, f.at);
        },
      });
      control.push({ at: f.at + f.length, run: () => procs[i]!.state ?? boot(i, f.at + f.length) });
    } else if (f.kind === 'pause') {
      control.push({ at: f.at, run: () => (procs[i]!.pausedUntil = f.at + f.length) });
    }
  }
  // Heartbeats: every second each process learns the newest epoch the hosts have accepted.
  for (let beat = 0; beat < o.end; beat += 1000) {
    control.push({
      at: beat,
      run: () => {
        for (let i = 0; i < o.n; i++) {
          if (!procs[i]!.state) continue;
          push({
            at: beat + random() * 50,
            node: i,
            incarnation: -1,
            event: { type: 'epochFloor', epoch: hostsEpoch },
          });
        }
      },
    });
  }
  control.sort((a, b) => a.at - b.at);

  let t = 0;
  while (t < o.end) {
    // At equal times messages go first: the shell ticks from setImmediate, after pending I/O.
    const isTick = (q: Queued): number => (q.event.type === 'tick' ? 1 : 0);
    queue.sort((a, b) => a.at - b.at || isTick(a) - isTick(b) || a.seq - b.seq);
    const next = queue[0];
    const ctl = control[0];
    if (ctl && (!next || ctl.at <= next.at)) {
      control.shift();
      t = ctl.at;
      ctl.run();
      continue;
    }
    if (!next) break;
    queue.shift();
    t = next.at;
    if (t >= o.end) break;
    const p = procs[next.node]!;
    if (!p.state) continue;
    if (next.event.type === 'tick') {
      if (next.incarnation !== p.incarnation || next.at !== p.timer) continue;
    }
    if (t < p.pausedUntil) {
      // Paused: timers fire late and messages wait in the socket.
      if (next.event.type === 'tick') p.timer = p.pausedUntil;
      push({ ...next, at: p.pausedUntil });
      continue;
    }
    deliver(next.node, t, next.event);
    if (next.event.type === 'tick' || p.timer <= t) schedule(next.node, t);
    else if (p.state) {
      const due = real(p, nextDeadline(p.state));
      if (due < p.timer) schedule(next.node, t);
    }
  }
  return {
    windows,
    starts,
    conflicts,
    nodes: procs.map((p) => ({ state: p.state, alive: p.state !== null })),
    actingAt: (at) =>
      windows
        .filter((w) => w.from <= at && at < w.to)
        .map((w) => w.node)
        .filter((n, k, all) => all.indexOf(n) === k),
  };
}

/** Throws if two actors' windows overlap, or a later actor's epoch is not larger. */
export function checkSafety(windows: readonly ActingWindow[]): void {
  const sorted = [...windows].sort((a, b) => a.from - b.from);
  for (let k = 0; k < sorted.length; k++) {
    const a = sorted[k]!;
    for (let j = k + 1; j < sorted.length; j++) {
      const b = sorted[j]!;
      if (b.actor === a.actor) {
        if (b.epoch < a.epoch)
          throw new Error(`${a.actor}'s epoch went back: ${a.epoch} → ${b.epoch}`);
        continue;
      }
      if (b.from < a.to) {
        throw new Error(
          `${a.actor} (epoch ${a.epoch}, ${a.from.toFixed(1)}–${a.to.toFixed(1)}) and ${b.actor} (epoch ${b.epoch}, ${b.from.toFixed(1)}–${b.to.toFixed(1)}) act at once`,
        );
      }
      if (b.epoch <= a.epoch) {
        throw new Error(`${b.actor} acted after ${a.actor} with epoch ${b.epoch} ≤ ${a.epoch}`);
      }
    }
  }
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_LEASE_TIMINGS,
  initialLease,
  leaseStep,
  mayAct,
  nextDeadline,
  type LeaseAction,
  type LeaseEvent,
  type LeaseState,
  type VoteReply,
  type VoteRequest,
} from '../../src/reconciler/index.ts';
import { checkSafety, simulate, type SimFault } from './lease-sim.ts';

const T = DEFAULT_LEASE_TIMINGS;
const MEMBERS = ['a', 'b', 'c'];

/** One lease machine on a manual clock, recording what it asked for. */
function machine(id: string, members = MEMBERS, start = 0) {
  let now = start;
  let state = initialLease({ id, members, incarnation: `${id}1`, ...T }, now);
  return {
    step(event: LeaseEvent): LeaseAction[] {
      const r = leaseStep(state, event, now);
      state = r.state;
      return r.actions;
    },
    at(t: number): void {
      now = t;
    },
    get now(): number {
      return now;
    },
    get state(): LeaseState {
      return state;
    },
  };
}
type Machine = ReturnType<typeof machine>;
const requests = (actions: LeaseAction[]): VoteRequest[] =>
  actions.flatMap((a) => (a.type === 'broadcast' ? [a.request] : []));
const replies = (actions: LeaseAction[]): VoteReply[] =>
  actions.flatMap((a) => (a.type === 'reply' ? [a.reply] : []));
/** Delivers `req` to every voter and its replies back to the candidate; returns the candidate's actions. */
const round = (candidate: Machine, req: VoteRequest, voters: Machine[]): LeaseAction[] =>
  voters
    .flatMap((v) => replies(v.step({ type: 'request', request: req })))
    .flatMap((reply) => candidate.step({ type: 'reply', reply }));
const at = (ms: Machine[], t: number): void => ms.forEach((m) => m.at(t));

describe('lease machine (majority of reconcilers)', () => {
  it('a lone reconciler is its own majority: quiet for one lease period, then acts with epoch 1 and renews', () => {
    const m = machine('a', ['a']);
    assert.deepEqual(
      m.step({ type: 'tick' }),
      [],
      'quiet: an earlier incarnation may have promised',
    );
    assert.equal(nextDeadline(m.state), T.leaseMs);
    m.at(T.leaseMs);
    const [req] = requests(m.step({ type: 'tick' }));
    assert.deepEqual(req, { candidate: 'a', epoch: 1, round: 'a1:0', members: ['a'] });
    const acts = round(m, req, [m]);
    assert.deepEqual(acts, [{ type: 'startActing', epoch: 1 }]);
    assert.equal(mayAct(m.state, T.leaseMs + T.actMs - 1), true);
    assert.equal(
      mayAct(m.state, T.leaseMs + T.actMs),
      false,
      'acts only actMs past the round it sent',
    );
    m.at(T.leaseMs + T.renewMs);
    assert.deepEqual(requests(m.step({ type: 'tick' }))[0]?.epoch, 1, 'renews the same epoch');
  });

  it('three reconcilers: the first-ranked stands first and the others grant it; a follower grants no one else while its promise lives', () => {
    const [a, b, c] = MEMBERS.map((id) => machine(id));
    at([a!, b!, c!], T.leaseMs);
    const reqs = [a!, b!, c!].map((m) => requests(m.step({ type: 'tick' })));
    assert.equal(reqs[0]?.length, 1, 'a (rank 0) stands at once');
    assert.deepEqual([reqs[1]?.length, reqs[2]?.length], [0, 0], 'b and c wait their stagger');
    assert.deepEqual(round(a!, reqs[0][0]!, [a!, b!, c!]), [{ type: 'startActing', epoch: 1 }]);
    // c wants to stand later (it was slow): b's promise to a refuses it.
    at([a!, b!, c!], T.leaseMs + 10);
    const rogue = { candidate: 'c', epoch: 2, round: 'c1:0', members: MEMBERS };
    assert.equal(replies(b!.step({ type: 'request', request: rogue }))[0]?.granted, false);
    // ... until the promise has expired.
    at([b!], T.leaseMs + T.leaseMs);
    assert.equal(replies(b!.step({ type: 'request', request: rogue }))[0]?.granted, true);
  });

  it('the holder dies: the next-ranked follower stands leaseMs + graceMs after its last grant, with a larger epoch', () => {
    const [a, b, c] = MEMBERS.map((id) => machine(id));
    at([a!, b!, c!], T.leaseMs);
    round(a!, requests(a!.step({ type: 'tick' }))[0]!, [a!, b!, c!]);
    // a renews at +250 and then dies.
    at([a!, b!, c!], T.leaseMs + T.renewMs);
    round(a!, requests(a!.step({ type: 'tick' }))[0]!, [a!, b!, c!]);
    const lastGrant = T.leaseMs + T.renewMs;
    at([b!, c!], lastGrant + T.leaseMs + T.graceMs - 1);
    assert.deepEqual(b!.step({ type: 'tick' }), []);
    assert.equal(nextDeadline(b!.state), lastGrant + T.leaseMs + T.graceMs, 'b is next after a');
    assert.equal(nextDeadline(c!.state), lastGrant + T.leaseMs + T.graceMs + T.staggerMs);
    at([b!, c!], lastGrant + T.leaseMs + T.graceMs);
    const req = requests(b!.step({ type: 'tick' }))[0]!;
    assert.equal(req.epoch, 2);
    assert.deepEqual(round(b!, req, [b!, c!]), [{ type: 'startActing', epoch: 2 }]);
  });

  it('a holder cut off from the majority stops acting actMs after its last granted round, before any voter is free', () => {
    const [a, b, c] = MEMBERS.map((id) => machine(id));
    at([a!, b!, c!], T.leaseMs);
    round(a!, requests(a!.step({ type: 'tick' }))[0]!, [a!, b!, c!]);
    const sentAt = T.leaseMs;
    // Cut off: its rounds reach only itself.
    for (let t = sentAt + T.renewMs; t < sentAt + T.actMs; t += T.renewMs) {
      a!.at(t);
      round(a!, requests(a!.step({ type: 'tick' }))[0]!, [a!]);
      assert.equal(mayAct(a!.state, t), true);
    }
    a!.at(sentAt + T.actMs);
    const acts = a!.step({ type: 'tick' });
    assert.deepEqual(
      acts.filter((x) => x.type === 'stopActing'),
      [{ type: 'stopActing', reason: `no majority renewed the lease for ${T.actMs} ms` }],
    );
    assert.ok(T.actMs < T.leaseMs, 'and b and c still hold their promise to a');
  });

  it('a holder with no majority for a whole lease period gives it up, so its own vote is free again', () => {
    const [a, b, c] = MEMBERS.map((id) => machine(id));
    at([a!, b!, c!], T.leaseMs);
    round(a!, requests(a!.step({ type: 'tick' }))[0]!, [a!, b!, c!]);
    for (let t = T.leaseMs + T.renewMs; t < 2 * T.leaseMs; t += T.renewMs) {
      a!.at(t);
      round(a!, requests(a!.step({ type: 'tick' }))[0]!, [a!]); // cut off: only its own vote
    }
    a!.at(2 * T.leaseMs);
    const last = a!.step({ type: 'tick' });
    assert.deepEqual(last[0], {
      type: 'release',
      release: { candidate: 'a', epoch: 1, held: true },
    });
    assert.equal(a!.state.grant?.released, true);
    assert.deepEqual(
      requests(last).map((r) => r.epoch),
      [2],
      'and it competes again like anyone, with a new epoch',
    );
  });

  it('a holder whose renewal a majority refuses, naming a newer epoch, steps down at once and waits a lease period; one such refusal alone does not depose it', () => {
    const [a, b] = [machine('a'), machine('b')];
    at([a, b], T.leaseMs);
    round(a, requests(a.step({ type: 'tick' }))[0]!, [a, b]);
    a.at(T.leaseMs + T.renewMs);
    const renewal = requests(a.step({ type: 'tick' }))[0]!;
    const denial = (voter: string): VoteReply => ({
      voter,
      candidate: 'a',
      epoch: 1,
      round: renewal.round,
      granted: false,
      last: { candidate: 'c', epoch: 2 },
      members: MEMBERS,
    });
    // c is standing (its candidacy may yet fail): a still has a majority in reach.
    assert.deepEqual(a.step({ type: 'reply', reply: denial('c') }), []);
    assert.equal(a.state.role, 'leader');
    assert.deepEqual(a.step({ type: 'reply', reply: denial('b') }), [
      { type: 'release', release: { candidate: 'a', epoch: 1, held: true } },
      { type: 'stopActing', reason: 'another reconciler holds a newer lease' },
    ]);
    assert.equal(a.state.knownEpoch, 2);
    assert.equal(nextDeadline(a.state), T.leaseMs + T.renewMs + T.leaseMs + T.graceMs);
  });

  it('a candidate meeting a candidacy from a member ahead of it gives way: its vote goes to the other at once', () => {
    const [a, b, c] = MEMBERS.map((id) => machine(id));
    at([a!, b!, c!], T.leaseMs);
    round(a!, requests(a!.step({ type: 'tick' }))[0]!, [a!, b!, c!]); // a holds, then dies
    const expired = T.leaseMs + T.leaseMs + T.graceMs;
    at([b!, c!], expired + T.staggerMs); // c's timer fired with b's: a split
    const [fromB] = requests(b!.step({ type: 'tick' }));
    const [fromC] = requests(c!.step({ type: 'tick' }));
    assert.ok(fromB && fromC && fromB.epoch === fromC.epoch);
    c!.step({ type: 'request', request: fromC }); // c votes for itself first
    const acts = c!.step({ type: 'request', request: fromB });
    assert.deepEqual(acts[0], {
      type: 'release',
      release: { candidate: 'c', epoch: fromC.epoch, held: false },
    });
    assert.equal(replies(acts)[0]?.granted, true, 'b is ahead of c after a');
    const fromBToB = replies(b!.step({ type: 'request', request: fromB }));
    const results = [...fromBToB, ...replies(acts)].flatMap((reply) =>
      b!.step({ type: 'reply', reply }),
    );
    assert.deepEqual(results, [{ type: 'startActing', epoch: fromB.epoch }]);
  });

  it('a voter whose promise to the old holder ends within a round answers the new candidate then, instead of refusing', () => {
    const [a, b, c] = MEMBERS.map((id) => machine(id));
    at([a!, b!, c!], T.leaseMs);
    const first = requests(a!.step({ type: 'tick' }))[0]!;
    round(a!, first, [a!, b!]);
    c!.at(T.leaseMs + 150); // c heard a's round 150 ms later than b: its promise ends later
    c!.step({ type: 'request', request: first });
    const expired = T.leaseMs + T.leaseMs + T.graceMs;
    b!.at(expired);
    const req = requests(b!.step({ type: 'tick' }))[0]!;
    c!.at(expired);
    assert.deepEqual(c!.step({ type: 'request', request: req }), [], 'no refusal');
    assert.equal(nextDeadline(c!.state), T.leaseMs + 150 + T.leaseMs);
    c!.at(T.leaseMs + 150 + T.leaseMs);
    const [answer] = replies(c!.step({ type: 'tick' }));
    assert.equal(answer?.granted, true);
    assert.equal(answer?.round, req.round);
  });

  it('a candidacy given up is undone at the voters: they go back to their previous promise', () => {
    const [a, b, c] = MEMBERS.map((id) => machine(id));
    at([a!, b!, c!], T.leaseMs);
    const req = requests(a!.step({ type: 'tick' }))[0]!;
    b!.step({ type: 'request', request: req });
    b!.step({ type: 'release', release: { candidate: 'a', epoch: 1, held: false } });
    assert.equal(b!.state.grant, null);
    const other = { candidate: 'c', epoch: 1, round: 'c1:0', members: MEMBERS };
    assert.equal(replies(b!.step({ type: 'request', request: other }))[0]?.granted, true);
  });

  it('stopping releases the lease: the next voter may grant at once', () => {
    const [a, b, c] = MEMBERS.map((id) => machine(id));
    at([a!, b!, c!], T.leaseMs);
    round(a!, requests(a!.step({ type: 'tick' }))[0]!, [a!, b!, c!]);
    at([a!, b!, c!], T.leaseMs + 100);
    const acts = a!.step({ type: 'stop' });
    assert.deepEqual(acts, [
      { type: 'release', release: { candidate: 'a', epoch: 1, held: true } },
      { type: 'stopActing', reason: 'stopping' },
    ]);
    c!.step({ type: 'release', release: { candidate: 'a', epoch: 1, held: true } });
    const [req] = requests(
      b!.step({ type: 'release', release: { candidate: 'a', epoch: 1, held: true } }),
    );
    assert.ok(req, 'b stands at once, not a lease later');
    assert.deepEqual(round(b!, req, [b!, c!]), [{ type: 'startActing', epoch: 2 }]);
  });

  it('a restarted voter grants nothing during its first lease period', () => {
    const c = machine('c', MEMBERS, 50_000);
    const req = { candidate: 'b', epoch: 9, round: 'b1:0', members: MEMBERS };
    assert.equal(replies(c.step({ type: 'request', request: req }))[0]?.granted, false);
    c.at(50_000 + T.leaseMs);
    assert.equal(replies(c.step({ type: 'request', request: req }))[0]?.granted, true);
  });

  it('never grants an epoch older than its last grant, and a new epoch exceeds what hosts accepted', () => {
    const [a, b] = ['a', 'b'].map((id) => machine(id));
    at([a!, b!], T.leaseMs);
    b!.step({
      type: 'request',
      request: { candidate: 'c', epoch: 5, round: 'c:0', members: MEMBERS },
    });
    b!.at(10 * T.leaseMs);
    const old = { candidate: 'a', epoch: 3, round: 'a:0', members: MEMBERS };
    const [reply] = replies(b!.step({ type: 'request', request: old }));
    assert.deepEqual([reply?.granted, reply?.last], [false, { candidate: 'c', epoch: 5 }]);
    assert.equal(requests(a!.step({ type: 'epochFloor', epoch: 41 }))[0]?.epoch, 42);
  });

  it('a holder whose epoch the hosts have already passed (every voter forgot it) stands again with a larger one', () => {
    const a = machine('a', ['a']);
    a.at(T.leaseMs);
    round(a, requests(a.step({ type: 'tick' }))[0]!, [a]);
    const acts = a.step({ type: 'epochFloor', epoch: 7 });
    assert.deepEqual(acts[0], {
      type: 'release',
      release: { candidate: 'a', epoch: 1, held: true },
    });
    assert.equal(mayAct(a.state, T.leaseMs), false);
    const [req] = requests(acts);
    assert.equal(req?.epoch, 8);
    assert.deepEqual(round(a, req, [a]), [{ type: 'startActing', epoch: 8 }]);
  });

  it('a peer with another member list is reported and stops everyone acting until it is gone', () => {
    const a = machine('a', ['a']);
    a.at(T.leaseMs);
    round(a, requests(a.step({ type: 'tick' }))[0]!, [a]);
    assert.equal(mayAct(a.state, T.leaseMs), true);
    const alien = { candidate: 'x', epoch: 1, round: 'x:0', members: ['x'] };
    const acts = a.step({ type: 'request', request: alien });
    assert.deepEqual(acts[0], { type: 'conflict', peer: 'x', members: ['x'] });
    assert.equal(replies(acts)[0]?.granted, false);
    assert.equal(mayAct(a.state, T.leaseMs), false);
    assert.equal(
      mayAct(a.state, 2 * T.leaseMs + 1),
      false,
      'not even after, without a fresh renewal',
    );
  });
});

describe('lease: simulated reconcilers', () => {
  const arbFault = (n: number): fc.Arbitrary<SimFault> =>
    fc.record({
      kind: fc.constantFrom(
        'crash' as const,
        'stop' as const,
        'pause' as const,
        'partition' as const,
      ),
      node: fc.integer({ min: 0, max: n - 1 }),
      at: fc.integer({ min: 0, max: 12_000 }),
      length: fc.integer({ min: 0, max: 5000 }),
    });

  it('property: under any delays, losses, partitions, pauses, crashes and restarts, no two act at once and epochs grow; once calm, someone acts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            seed: fc.integer(),
            faults: fc.array(arbFault(n), { maxLength: 10 }),
            dropRate: fc.constantFrom(0, 0.05, 0.3),
            maxDelayMs: fc.constantFrom(2, 50, 400),
            longDelayEvery: fc.constantFrom(0, 20),
            maxLateMs: fc.constantFrom(0, 100, 1200),
          }),
        ),
        (c) => {
          const calmFrom = Math.max(
            12_000,
            ...c.faults.map((f) => f.at + f.length + (f.kind === 'pause' ? 3000 : 0)),
          );
          const end = calmFrom + 15_000;
          const r = simulate({ ...c, chaosUntil: calmFrom, end, longDelayMs: 4000 });
          checkSafety(r.windows);
          assert.equal(r.conflicts, 0);
          assert.equal(r.actingAt(end - 1).length, 1, `nobody acts ${end - calmFrom} ms into calm`);
        },
      ),
      { numRuns: Number(process.env.ALOFT_LEASE_RUNS ?? 300) },
    );
  });

  it('the holder crashes: another acts within leaseMs + graceMs + 100 ms, with the next epoch', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const first = simulate({ n: 3, seed, end: 6000 }).starts[0]!;
      const kill = 6000 + ((seed * 37) % 250);
      const r = simulate({
        n: 3,
        seed,
        end: 12_000,
        faults: [{ kind: 'crash', node: first.node, at: kill, length: 60_000 }],
      });
      const next = r.starts.find((s) => s.node !== first.node)!;
      assert.ok(next, 'someone else acts');
      assert.equal(next.epoch, first.epoch + 1);
      assert.ok(
        next.t - kill <= T.leaseMs + T.graceMs + 100,
        `failover took ${Math.round(next.t - kill)} ms`,
      );
      checkSafety(r.windows);
    }
  });

  it("with every message delayed up to 300 ms (voters' promises end that far apart), the holder's death still costs under leaseMs + 1.5 s", () => {
    const took: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const opts = { n: 3, seed, maxDelayMs: 300, chaosUntil: 60_000 };
      const holder = simulate({ ...opts, end: 6000 }).actingAt(5999)[0];
      assert.ok(holder !== undefined, `seed ${seed}: someone acts before the kill`);
      const r = simulate({
        ...opts,
        end: 12_000,
        faults: [{ kind: 'crash', node: holder, at: 6000, length: 60_000 }],
      });
      checkSafety(r.windows);
      const next = r.starts.find((x) => x.node !== holder && x.t > 6000);
      took.push(next ? next.t - 6000 : Number.POSITIVE_INFINITY);
    }
    took.sort((x, y) => x - y);
    const worst = took.at(-1) ?? 0;
    assert.ok(worst <= T.leaseMs + 1500, `failover took up to ${Math.round(worst)} ms`);
  });

  it('a partitioned holder is replaced on the majority side and never acts alongside it', () => {
    const first = simulate({ n: 3, seed: 7, end: 6000 }).starts[0]!;
    const r = simulate({
      n: 3,
      seed: 7,
      end: 30_000,
      faults: [{ kind: 'partition', node: first.node, at: 6000, length: 10_000 }],
    });
    checkSafety(r.windows);
    const other = r.starts.find((s) => s.node !== first.node && s.t > 6000);
    assert.ok(other && other.t - 6000 <= T.leaseMs + T.graceMs + T.renewMs + 100);
    assert.ok(r.windows.every((w) => w.node !== first.node || w.to <= 6000 + T.actMs));
  });

  it('two of three down: the survivor never acts alone', () => {
    const r = simulate({
      n: 3,
      seed: 3,
      end: 30_000,
      faults: [
        { kind: 'crash', node: 0, at: 6000, length: 60_000 },
        { kind: 'crash', node: 1, at: 6000, length: 60_000 },
      ],
    });
    assert.deepEqual(r.actingAt(20_000), []);
    assert.ok(r.windows.every((w) => w.to <= 6000 + T.actMs));
  });
});

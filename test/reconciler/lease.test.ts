import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { manualClock } from '../../src/support/index.ts';
import {
  initialLease,
  leaseStep,
  mayAct,
  nextDeadline,
  type LeaseAction,
  type LeaseEvent,
  type LeaseState,
} from '../../src/reconciler/index.ts';

const OPTIONS = { ttlMs: 4000, renewMs: 1000, marginMs: 1000 };

/** One lease machine driven by a manual clock, recording what it asked for. */
function machine(id: string) {
  const clock = manualClock(10_000);
  let state = initialLease({ id, ...OPTIONS });
  const step = (event: LeaseEvent): LeaseAction[] => {
    const r = leaseStep(state, event, clock.monotonic());
    state = r.state;
    return r.actions;
  };
  return {
    clock,
    step,
    get state(): LeaseState {
      return state;
    },
  };
}

describe('lease state machine', () => {
  it('takes a free lease at once with epoch 1, acts, and renews every renewMs', () => {
    const m = machine('r1');
    assert.deepEqual(m.step({ type: 'tick' }), [{ type: 'read' }]);
    assert.deepEqual(m.step({ type: 'read', revision: 0, value: null }), [
      { type: 'write', expectedRevision: 0, value: { holder: 'r1', epoch: 1 } },
    ]);
    m.clock.advance(20);
    assert.deepEqual(m.step({ type: 'written', revision: 1 }), [{ type: 'startActing', epoch: 1 }]);
    assert.equal(mayAct(m.state, m.clock.monotonic()), true);
    assert.equal(
      nextDeadline(m.state),
      10_000 + 1000,
      'next renewal one period after the last write',
    );
    m.clock.advance(980);
    assert.deepEqual(m.step({ type: 'tick' }), [
      { type: 'write', expectedRevision: 1, value: { holder: 'r1', epoch: 1 } },
    ]);
  });

  it('a holder that cannot renew stops acting at lastRenewOk + ttl - margin, before anyone may take over', () => {
    const m = machine('r1');
    m.step({ type: 'tick' });
    m.step({ type: 'read', revision: 0, value: null });
    m.step({ type: 'written', revision: 1 }); // sent at 10 000
    // Cut off: every renewal times out.
    for (let t = 0; t < 2; t++) {
      m.clock.advance(1000);
      m.step({ type: 'tick' });
      m.clock.advance(500);
      m.step({ type: 'writeFailed', conflict: false });
      m.clock.advance(-500);
    }
    m.clock.advance(999 - 1000 + 1000); // 12 999
    assert.equal(mayAct(m.state, 12_999), true);
    assert.equal(mayAct(m.state, 13_000), false, 'not past 10 000 + 4000 - 1000');
    m.clock.advance(1);
    assert.deepEqual(
      m.step({ type: 'tick' }).filter((a) => a.type === 'stopActing'),
      [{ type: 'stopActing', reason: 'lease not renewed for 3000 ms' }],
    );
    // A late success resumes it only if it was sent recently enough.
    m.step({ type: 'tick' });
    m.clock.advance(100);
    const resumed = m.step({ type: 'written', revision: 2 });
    assert.deepEqual(
      resumed.filter((a) => a.type === 'startActing'),
      [{ type: 'startActing', epoch: 1 }],
    );
  });

  it('a contender waits a whole ttl after it first saw the revision, then takes over with the next epoch', () => {
    const c = machine('r2');
    c.step({ type: 'tick' });
    const held = { holder: 'r1', epoch: 4 };
    c.step({ type: 'read', revision: 7, value: held }); // first seen at 10 000
    for (let t = 1; t <= 3; t++) {
      c.clock.advance(1000);
      assert.deepEqual(c.step({ type: 'tick' }), [{ type: 'read' }]);
      c.step({ type: 'read', revision: 7, value: held });
    }
    c.clock.advance(999);
    assert.deepEqual(c.step({ type: 'tick' }), []);
    assert.equal(nextDeadline(c.state), 14_000);
    c.clock.advance(1);
    assert.deepEqual(c.step({ type: 'tick' }), [
      { type: 'write', expectedRevision: 7, value: { holder: 'r2', epoch: 5 } },
    ]);
    assert.deepEqual(c.step({ type: 'written', revision: 8 }), [{ type: 'startActing', epoch: 5 }]);
  });

  it('a renewal seen resets the contender’s wait; a conflicting write sends it back to following', () => {
    const c = machine('r2');
    c.step({ type: 'tick' });
    c.step({ type: 'read', revision: 7, value: { holder: 'r1', epoch: 1 } });
    c.clock.advance(3000);
    c.step({ type: 'read', revision: 8, value: { holder: 'r1', epoch: 1 } });
    c.clock.advance(3999);
    assert.deepEqual(
      c.step({ type: 'tick' }).filter((a) => a.type === 'write'),
      [],
    );
    c.clock.advance(1);
    assert.equal(c.step({ type: 'tick' })[0]?.type, 'write');
    c.step({ type: 'read', revision: 8, value: { holder: 'r1', epoch: 1 } }); // a read in flight
    assert.deepEqual(c.step({ type: 'writeFailed', conflict: true }), [{ type: 'read' }]);
    assert.equal(c.state.role, 'follower');
    c.clock.advance(5000);
    assert.deepEqual(
      c.step({ type: 'tick' }),
      [],
      'no new attempt before it has read who holds it',
    );
  });

  it('a holder that loses a compare-and-swap stops acting at once', () => {
    const m = machine('r1');
    m.step({ type: 'tick' });
    m.step({ type: 'read', revision: 0, value: null });
    m.step({ type: 'written', revision: 1 });
    m.clock.advance(1000);
    m.step({ type: 'tick' });
    assert.deepEqual(m.step({ type: 'writeFailed', conflict: true }), [
      { type: 'stopActing', reason: 'no longer the lease holder' },
      { type: 'read' },
    ]);
    assert.equal(mayAct(m.state, m.clock.monotonic()), false);
  });

  it('stopping releases the lease, and a contender that reads the release takes over at once', () => {
    const m = machine('r1');
    m.step({ type: 'tick' });
    m.step({ type: 'read', revision: 0, value: null });
    m.step({ type: 'written', revision: 1 });
    assert.deepEqual(m.step({ type: 'stop' }), [
      { type: 'stopActing', reason: 'stopping' },
      { type: 'write', expectedRevision: 1, value: { holder: null, epoch: 1 } },
    ]);
    const c = machine('r2');
    c.step({ type: 'tick' });
    assert.deepEqual(c.step({ type: 'read', revision: 2, value: { holder: null, epoch: 1 } }), [
      { type: 'write', expectedRevision: 2, value: { holder: 'r2', epoch: 2 } },
    ]);
  });
});

/**
 * Several reconcilers over one simulated KV with delays, partitions (a node's requests fail) and
 * crashes, each on its own clock offset. Never two acting at once; epochs only grow; once faults
 * stop, someone acts again.
 */
describe('lease: simulated reconcilers', () => {
  it('property: at most one acts at any instant, epochs grow, and someone acts after the faults end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.integer(),
        fc.array(
          fc.record({
            node: fc.integer({ min: 0, max: 2 }),
            from: fc.integer({ min: 0, max: 20_000 }),
            length: fc.integer({ min: 100, max: 8000 }),
            crash: fc.boolean(),
          }),
          { maxLength: 4 },
        ),
        (n, seed, faults) => {
          simulate(n, seed, faults);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('fails over within ttl + renew + delays when the holder dies, and within the margin it is never two', () => {
    const first = simulate(3, 42, [])[0]!.node;
    const starts = simulate(3, 42, [{ node: 0, from: 5000, length: 0, crash: true }]);
    assert.equal(starts[0]?.node, first);
    const next = starts.find((s) => s.node !== first);
    assert.ok(next, 'someone else took over');
    assert.equal(next.epoch, 2);
    assert.ok(next.t - 5000 <= 5400, `failover took ${next.t - 5000} ms`);
  });

  it('a partitioned holder goes quiet and another takes over; the holder rejoins as a follower', () => {
    const first = simulate(2, 7, [])[0]!.node;
    const starts = simulate(2, 7, [{ node: 0, from: 5000, length: 9000, crash: false }]);
    assert.deepEqual(
      starts.map((s) => [s.node, s.epoch]),
      [
        [first, 1],
        [1 - first, 2],
      ],
    );
  });
});

interface Fault {
  node: number;
  from: number;
  length: number;
  crash: boolean;
}

function simulate(
  n: number,
  seed: number,
  faults: Fault[],
): { t: number; node: number; epoch: number }[] {
  let rnd = seed >>> 0;
  const random = (max: number): number => {
    rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0;
    return rnd % (max + 1);
  };
  const kv = { revision: 0, value: null as { holder: string | null; epoch: number } | null };
  const offsets = Array.from({ length: n }, (_, i) => i * 7_777_777);
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    state: initialLease({ id: `r${i}`, ...OPTIONS }),
    crashed: false,
  }));
  // A fault hits whoever acts when it starts (else node `f.node`): that is where it hurts.
  const target = new Map<Fault, number>();
  const cut = (i: number, t: number): boolean =>
    faults.some((f) => !f.crash && target.get(f) === i && t >= f.from && t < f.from + f.length);
  type Pending = {
    node: number;
    commitAt: number;
    replyAt: number;
    action: LeaseAction;
    failed: boolean;
    reply?: LeaseEvent;
  };
  let pending: Pending[] = [];
  const starts: { t: number; node: number; epoch: number }[] = [];
  const END = 36_000;

  const feed = (i: number, t: number, event: LeaseEvent): void => {
    const node = nodes[i]!;
    const r = leaseStep(node.state, event, t + offsets[i]!);
    node.state = r.state;
    for (const a of r.actions) {
      if (a.type === 'startActing') starts.push({ t, node: i, epoch: a.epoch });
      if (a.type === 'read' || a.type === 'write') {
        const commitAt = t + random(150);
        pending.push({
          node: i,
          commitAt,
          replyAt: commitAt + random(150),
          action: a,
          failed: cut(i, t),
        });
      }
    }
  };

  for (let t = 0; t <= END; t += 10) {
    for (const f of faults) {
      if (t < f.from || target.has(f)) continue;
      const holder = nodes.findIndex(
        (node, i) => !node.crashed && mayAct(node.state, t + offsets[i]!),
      );
      const i = holder >= 0 ? holder : f.node % n;
      target.set(f, i);
      // Keep one node alive: with every node crashed nobody could act.
      const alive = nodes.filter((node) => !node.crashed).length;
      if (f.crash && alive > 1) nodes[i]!.crashed = true;
    }
    for (const p of pending) {
      if (p.reply || p.commitAt > t) continue;
      if (p.failed) {
        p.reply =
          p.action.type === 'read'
            ? { type: 'readFailed' }
            : { type: 'writeFailed', conflict: false };
      } else if (p.action.type === 'read') {
        p.reply = { type: 'read', revision: kv.revision, value: kv.value };
      } else if (p.action.type === 'write') {
        if (p.action.expectedRevision === kv.revision) {
          kv.revision++;
          kv.value = p.action.value;
          p.reply = { type: 'written', revision: kv.revision };
        } else p.reply = { type: 'writeFailed', conflict: true };
      }
    }
    for (const p of pending) {
      if (p.reply && p.replyAt <= t && !nodes[p.node]!.crashed) {
        // A reply to a cut-off node is lost; it learns of a timeout instead.
        feed(
          p.node,
          t,
          cut(p.node, t) && p.reply.type !== 'readFailed' && p.reply.type !== 'writeFailed'
            ? p.action.type === 'read'
              ? { type: 'readFailed' }
              : { type: 'writeFailed', conflict: false }
            : p.reply,
        );
      }
    }
    pending = pending.filter((p) => !(p.reply && p.replyAt <= t));
    nodes.forEach((node, i) => {
      if (!node.crashed && (t % 100 === 0 || t + offsets[i]! >= nextDeadline(node.state))) {
        feed(i, t, { type: 'tick' });
      }
    });
    const acting = nodes
      .map((node, i) => (!node.crashed && mayAct(node.state, t + offsets[i]!) ? i : -1))
      .filter((i) => i >= 0);
    assert.ok(
      acting.length <= 1,
      `t=${t}: ${acting.map((i) => nodes[i]!.id).join(' and ')} both act`,
    );
  }
  for (let k = 1; k < starts.length; k++) {
    const a = starts[k - 1]!;
    const b = starts[k]!;
    assert.ok(b.epoch >= a.epoch, 'epochs never go back');
    if (b.epoch === a.epoch) assert.equal(b.node, a.node, 'one epoch, one holder');
  }
  const lastFault = Math.max(0, ...faults.map((f) => (f.crash ? f.from : f.from + f.length)));
  if (lastFault < END - 8000) {
    const someone = nodes.some((node, i) => !node.crashed && mayAct(node.state, END + offsets[i]!));
    assert.ok(someone, `nobody acts ${END - lastFault} ms after the last fault`);
  }
  return starts;
}

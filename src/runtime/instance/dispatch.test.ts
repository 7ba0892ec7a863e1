import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  canTake,
  chooseInstance,
  isBlocked,
  isSurplus,
  MAX_STARTING_BEYOND_MAX,
  shouldRetire,
  instancesToStart,
  type DispatchLimits,
  type InstanceView,
} from './dispatch.ts';

const limitsArb = fc
  .record({
    maxInstances: fc.integer({ min: 1, max: 6 }),
    pipelineDepth: fc.integer({ min: 1, max: 5 }),
    minInstances: fc.integer({ min: 0, max: 6 }),
    overflowInstances: fc.integer({ min: 0, max: 4 }),
  })
  .map((l) => ({ ...l, minInstances: Math.min(l.minInstances, l.maxInstances) }));
const instanceArb = fc.record({
  state: fc.constantFrom<InstanceView['state']>('starting', 'ready', 'dead'),
  load: fc.integer({ min: 0, max: 6 }),
  inHostCall: fc.boolean(),
});

const ready = (load: number, inHostCall = false): InstanceView => ({
  state: 'ready',
  load,
  inHostCall,
});
const limits: DispatchLimits = {
  maxInstances: 2,
  minInstances: 1,
  pipelineDepth: 4,
  overflowInstances: 0,
};

describe('chooseInstance', () => {
  it('only ever picks an instance that can take the work, and the least loaded one', () => {
    fc.assert(
      fc.property(
        fc.array(instanceArb, { maxLength: 8 }),
        limitsArb,
        fc.boolean(),
        (instances, l, grow) => {
          const chosen = chooseInstance(instances, l, grow);
          if (!chosen) return;
          assert.ok(canTake(chosen, l));
          assert.equal(chosen.state, 'ready');
          assert.ok(chosen.load < l.pipelineDepth);
          for (const i of instances) if (canTake(i, l)) assert.ok(chosen.load <= i.load);
        },
      ),
    );
  });

  it('never queues work behind an instance that waits on a capability call', () => {
    fc.assert(
      fc.property(
        fc.array(instanceArb, { maxLength: 8 }),
        limitsArb,
        fc.boolean(),
        (instances, l, grow) => {
          const chosen = chooseInstance(instances, l, grow);
          assert.ok(!chosen || chosen.load === 0 || !chosen.inHostCall);
        },
      ),
    );
    assert.equal(
      chooseInstance([ready(1, true)], { ...limits, maxInstances: 1 }, false),
      undefined,
    );
  });

  it('prefers an idle instance, grows before pipelining new work, pipelines queued work', () => {
    const busy = ready(1);
    const idle = ready(0);
    assert.equal(chooseInstance([busy, idle], limits, true), idle);
    assert.equal(chooseInstance([busy], limits, true), undefined, 'one more may start');
    assert.equal(chooseInstance([busy], limits, false), busy, 'queued work pipelines meanwhile');
    assert.equal(chooseInstance([busy, ready(2)], limits, true), busy, 'at the maximum: pipeline');
    assert.equal(chooseInstance([ready(4), ready(4)], limits, true), undefined, 'rings full');
  });
});

describe('instancesToStart', () => {
  const starting: InstanceView = { state: 'starting', load: 0, inHostCall: false };

  it('starts below the minimum, and grows one at a time only for waiting work', () => {
    assert.equal(instancesToStart([], 0, limits), 1);
    assert.equal(instancesToStart([], 0, { ...limits, minInstances: 2 }), 2);
    assert.equal(instancesToStart([ready(1)], 0, limits), 0, 'nothing waiting');
    assert.equal(instancesToStart([ready(1)], 3, limits), 1);
    assert.equal(instancesToStart([ready(0)], 1, limits), 0, 'an idle one will take it');
    assert.equal(instancesToStart([ready(1), starting], 3, limits), 0);
    assert.equal(instancesToStart([ready(1), ready(1)], 5, limits), 0, 'at the maximum');
  });

  it('beyond the maximum, starts one per waiting invocation while every instance waits on I/O', () => {
    const l = { ...limits, maxInstances: 1, overflowInstances: 3 };
    const blocked = ready(1, true);
    assert.equal(instancesToStart([blocked], 1, l), 1, 'the only one waits on a capability call');
    assert.equal(instancesToStart([blocked], 2, l), 2);
    assert.equal(instancesToStart([blocked], 9, l), 2, 'two at a time');
    assert.equal(instancesToStart([blocked, blocked, blocked], 9, l), 1, 'within the overflow');
    assert.equal(instancesToStart([blocked], 0, l), 1, 'one ahead of need');
    assert.equal(instancesToStart([blocked, ready(0)], 0, l), 0, 'one is free already');
    assert.equal(instancesToStart([blocked, starting], 0, l), 0, 'one is on its way');
    assert.equal(instancesToStart([blocked, ready(1)], 0, l), 0, 'one still runs');
    assert.equal(instancesToStart([blocked, ready(1)], 2, l), 0, 'one still runs: it takes them');
    assert.equal(instancesToStart([blocked, starting], 3, l), 1, 'one is on its way');
    assert.equal(instancesToStart([blocked, ready(1, true), ready(1, true)], 3, l), 1);
    assert.equal(instancesToStart([blocked, blocked, blocked, blocked], 3, l), 0, 'used up');
    assert.equal(instancesToStart([blocked, blocked, blocked, blocked], 0, l), 0, 'used up');
    assert.equal(instancesToStart([blocked], 1, { ...l, overflowInstances: 0 }), 0);
  });

  it('never goes beyond maxInstances but for instances waiting on capability calls, within the overflow', () => {
    fc.assert(
      fc.property(
        fc.array(instanceArb, { maxLength: 8 }),
        fc.nat(10),
        limitsArb,
        (instances, queued, l) => {
          const n = instancesToStart(instances, queued, l);
          assert.ok(n >= 0);
          if (n === 0) return;
          const live = instances.filter((i) => i.state !== 'dead').length;
          if (live < l.minInstances) {
            assert.equal(n, l.minInstances - live);
            return;
          }
          assert.ok(
            instances.every((i) => i.state !== 'ready' || i.load > 0),
            'none idle',
          );
          const blocked = instances.filter((i) => isBlocked(i)).length;
          assert.ok(live + n <= Math.max(live, l.maxInstances + l.overflowInstances));
          if (queued === 0) {
            assert.equal(n, 1, 'one ahead of need');
            assert.equal(blocked, live, 'only while every instance waits on I/O');
            return;
          }
          if (live < l.maxInstances) {
            assert.equal(n, 1);
            return;
          }
          const startingNow = instances.filter((i) => i.state === 'starting').length;
          assert.ok(live + n <= l.maxInstances + l.overflowInstances);
          assert.ok(live - blocked - startingNow < l.maxInstances);
          assert.ok(n + startingNow <= queued, 'no more than the work waiting');
          assert.ok(n + startingNow <= MAX_STARTING_BEYOND_MAX, 'a few at a time');
        },
      ),
    );
  });
});

describe('isSurplus', () => {
  it('an idle instance is surplus only while the pool is above its maximum and minimum', () => {
    const l = { ...limits, maxInstances: 1, overflowInstances: 2 };
    const idle = ready(0);
    assert.equal(isSurplus(idle, [ready(1), ready(1, true), idle], l), true);
    assert.equal(isSurplus(idle, [ready(0), idle], l), true);
    assert.equal(
      isSurplus(idle, [ready(1, true), idle], l),
      false,
      'kept free while every other instance waits on I/O',
    );
    assert.equal(isSurplus(idle, [idle], l), false);
    assert.equal(isSurplus(ready(1), [ready(1, true), ready(1)], l), false, 'busy');
    assert.equal(isSurplus(idle, [ready(0), idle], { ...l, minInstances: 2 }), false);
    assert.equal(
      isSurplus(idle, [{ state: 'dead', load: 0, inHostCall: false }, ready(0)], l),
      false,
      'the dead do not count',
    );
  });
});

describe('shouldRetire', () => {
  const l = { ...limits, maxInstances: 1, overflowInstances: 2, blockedAfterMs: 250 };
  const waiting = (ms: number): InstanceView => ({ ...ready(1, true), hostCallMs: ms });
  it('retires an instance beyond the maximum once fewer instances wait on I/O', () => {
    const me = ready(1);
    assert.equal(shouldRetire(me, [ready(1), ready(1), me], l), true, 'nobody waits any more');
    assert.equal(shouldRetire(me, [waiting(300), ready(1), me], l), true, 'one waits, two run');
  });
  it('keeps instances while the ones waiting still need them', () => {
    const me = ready(1);
    assert.equal(shouldRetire(me, [waiting(300), waiting(300), me], l), false);
    assert.equal(shouldRetire(me, [waiting(300), me], l), false);
    assert.equal(shouldRetire(me, [me], l), false, 'at the maximum');
    assert.equal(
      shouldRetire(me, [ready(1), me], { ...l, minInstances: 2, maxInstances: 2 }),
      false,
    );
  });
  it('a short capability call is not waiting on I/O', () => {
    const me = ready(1);
    assert.equal(shouldRetire(me, [waiting(10), waiting(10), me], l), true);
  });
  it('never retires one that waits, is starting, or already retires; the retiring do not count', () => {
    const me = ready(1);
    assert.equal(shouldRetire(waiting(300), [ready(1), ready(1), waiting(300)], l), false);
    assert.equal(shouldRetire({ ...me, state: 'starting' }, [ready(1), ready(1)], l), false);
    assert.equal(shouldRetire({ ...me, retiring: true }, [ready(1), ready(1)], l), false);
    assert.equal(shouldRetire(me, [{ ...ready(1), retiring: true }, me], l), false);
  });
  it('property: retiring every instance it names leaves at least max(maxInstances, minInstances)', () => {
    fc.assert(
      fc.property(
        limitsArb,
        fc.array(
          fc.record({
            state: fc.constantFrom<InstanceView['state']>('starting', 'ready', 'dead'),
            load: fc.integer({ min: 0, max: 6 }),
            inHostCall: fc.boolean(),
            hostCallMs: fc.integer({ min: 0, max: 1000 }),
          }),
          { maxLength: 12 },
        ),
        (lim, views) => {
          const all: InstanceView[] = views.map((v) => ({ ...v }));
          const withBlock = { ...lim, blockedAfterMs: 250 };
          for (const i of all) if (shouldRetire(i, all, withBlock)) i.retiring = true;
          const left = all.filter((i) => i.state !== 'dead' && !i.retiring).length;
          const before = all.filter((i) => i.state !== 'dead').length;
          assert.ok(left >= Math.min(before, Math.max(lim.maxInstances, lim.minInstances)));
        },
      ),
    );
  });
});

describe('retiring instances', () => {
  it('are neither capacity nor idle: queued work starts an instance instead of waiting on them', () => {
    const l = { ...limits, maxInstances: 1, overflowInstances: 2 };
    const retiring: InstanceView = { ...ready(0), retiring: true };
    assert.equal(instancesToStart([retiring], 1, l), 1);
    assert.equal(chooseInstance([retiring], l, true), undefined);
    assert.equal(chooseInstance([retiring], l, false), undefined);
    assert.equal(canTake({ ...ready(1), retiring: true }, l), false);
  });
});

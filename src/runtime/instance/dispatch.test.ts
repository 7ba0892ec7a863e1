import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  canTake,
  chooseInstance,
  shouldStartInstance,
  type DispatchLimits,
  type InstanceView,
} from './dispatch.ts';

const limitsArb = fc
  .record({
    maxInstances: fc.integer({ min: 1, max: 6 }),
    pipelineDepth: fc.integer({ min: 1, max: 5 }),
    minInstances: fc.integer({ min: 0, max: 6 }),
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
const limits: DispatchLimits = { maxInstances: 2, minInstances: 1, pipelineDepth: 4 };

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

describe('shouldStartInstance', () => {
  it('starts below the minimum, and grows one at a time only for waiting work', () => {
    assert.equal(shouldStartInstance([], 0, limits), true);
    assert.equal(shouldStartInstance([ready(1)], 0, limits), false, 'nothing waiting');
    assert.equal(shouldStartInstance([ready(1)], 1, limits), true);
    assert.equal(shouldStartInstance([ready(0)], 1, limits), false, 'an idle one will take it');
    assert.equal(
      shouldStartInstance([ready(1), { state: 'starting', load: 0, inHostCall: false }], 3, limits),
      false,
    );
    assert.equal(shouldStartInstance([ready(1), ready(1)], 5, limits), false, 'at the maximum');
  });

  it('never exceeds maxInstances', () => {
    fc.assert(
      fc.property(
        fc.array(instanceArb, { maxLength: 8 }),
        fc.nat(10),
        limitsArb,
        (instances, queued, l) => {
          const live = instances.filter((i) => i.state !== 'dead').length;
          if (shouldStartInstance(instances, queued, l))
            assert.ok(live < l.maxInstances || live < l.minInstances);
        },
      ),
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../support/index.ts';
import type { InstanceWorker } from './spawner.ts';
import { CpuWatch, type WatchedInstance } from './cpu-watch.ts';

/** An instance whose thread's CPU clock the test sets; `lowered` counts deprioritize() calls. */
type FakeInstance = Omit<WatchedInstance, 'jobs'> & { jobs: object[]; lowered: number };

function fakeInstance(cpu: { ms: number | undefined }): FakeInstance {
  const instance: FakeInstance = {
    state: 'ready',
    jobs: [{}],
    demoted: false,
    lowered: 0,
    worker: {
      deprioritize: () => {
        instance.lowered++;
        return true;
      },
      cpuTimeMs: () => cpu.ms,
    } as unknown as InstanceWorker,
  };
  return instance;
}

const EVERY = 10;
const watch = (onDemoted: () => void = () => undefined): CpuWatch =>
  new CpuWatch({
    everyMs: EVERY,
    sustainedShare: 2, // never: these tests are about single invocations
    windowMs: 60_000,
    logger: silentLogger,
    onDemoted,
  });

/** Resolves after the watch's checks have had `n` chances to run. */
const checks = (n: number): Promise<void> => new Promise((r) => setTimeout(r, EVERY * n + 5));

describe('CpuWatch: one invocation that keeps its thread busy', () => {
  it('lowers the priority of a thread whose invocation burns CPU past everyMs', async () => {
    const cpu = { ms: 0 };
    const busy = fakeInstance(cpu);
    let demoted = 0;
    const w = watch(() => demoted++);
    w.started(busy);
    // The thread's CPU clock advances as fast as time: a spinning guest.
    const spin = setInterval(() => (cpu.ms += EVERY), EVERY);
    for (let i = 0; i < 40 && busy.lowered === 0; i++) await checks(1);
    clearInterval(spin);
    w.stop();
    assert.equal(busy.lowered, 1);
    assert.equal(busy.demoted, true);
    assert.equal(demoted, 1);
  });

  it('leaves alone an invocation that waits (no CPU used) and one that ended', async () => {
    const waiting = fakeInstance({ ms: 5 });
    const ended = fakeInstance({ ms: 0 });
    const w = watch();
    w.started(waiting);
    w.started(ended);
    ended.jobs.shift(); // its invocation answered before any check
    await checks(6);
    w.stop();
    assert.equal(waiting.lowered, 0, 'a thread waiting on a capability call is not a hog');
    assert.equal(ended.lowered, 0);
  });

  it('without a CPU clock, lowers after two checks of one invocation still running', async () => {
    const unknown = fakeInstance({ ms: undefined });
    const w = watch();
    w.started(unknown);
    for (let i = 0; i < 40 && unknown.lowered === 0; i++) await checks(1);
    w.stop();
    assert.equal(unknown.lowered, 1);
  });

  it('watches the next invocation of a thread afresh', async () => {
    const cpu = { ms: 0 };
    const instance = fakeInstance(cpu);
    const w = watch();
    w.started(instance);
    await checks(3);
    // A new invocation starts; the earlier one's CPU time does not count against it.
    instance.jobs = [{}];
    cpu.ms += 1000;
    w.started(instance);
    await checks(4);
    w.stop();
    assert.equal(instance.lowered, 0);
  });
});

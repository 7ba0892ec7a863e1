import type { Logger } from '../../support/index.ts';
import type { InstanceWorker } from './spawner.ts';

/** What the watch needs of an instance. */
export interface WatchedInstance {
  worker: InstanceWorker | undefined;
  state: string;
  /** Its jobs, running one first. */
  readonly jobs: readonly object[];
  demoted: boolean;
}

/** Options of {@link CpuWatch}. */
export interface CpuWatchOptions {
  /** Check interval for a long invocation, ms; 0 disables the watch. */
  everyMs: number;
  /**
   * Share of `windowMs` (0–1) of a core a thread's CPU time took (its runnable time where CPU
   * time is unknown) that marks it as a sustained hog.
   */
  sustainedShare: number;
  windowMs: number;
  logger: Logger;
  onDemoted(): void;
}

/** The least share of a core a thread runnable most of the time must get to count as a hog. */
const MIN_CPU_SHARE = 0.25;

/**
 * Lowers the priority of instance threads that burn CPU, so guest code cannot starve the host's
 * main thread (calls, heartbeats) or lighter components; threads that mostly wait (for requests,
 * for capabilities) keep theirs. Two rules: one invocation that used `everyMs` of CPU (checked
 * only once it has run that long, so short invocations pay nothing), and a thread busy for
 * `sustainedShare` of a core over `windowMs` however short its invocations (a component called
 * in a tight loop). Lowering is for good: a thread cannot raise its priority back unprivileged.
 */
export class CpuWatch {
  readonly #o: CpuWatchOptions;
  readonly #busy = new Set<WatchedInstance>();
  readonly #samples = new Map<WatchedInstance, { t: number; cpu: number; runnable: number }[]>();
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The running job of each instance being watched, and what its checks found so far. */
  readonly #running = new Map<
    WatchedInstance,
    { job: object; since: number; checks: number; first: number | undefined }
  >();
  #jobTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: CpuWatchOptions) {
    this.#o = options;
  }

  /** The head job of `instance` started running. */
  started(instance: WatchedInstance): void {
    const every = this.#o.everyMs;
    const job = instance.jobs[0];
    if (!job || every <= 0 || instance.demoted || !instance.worker?.deprioritize) return;
    this.#sample(instance);
    // One timer for every running job, not one per invocation: most end long before a check.
    this.#running.set(instance, { job, since: performance.now(), checks: 0, first: undefined });
    if (!this.#jobTimer) {
      this.#jobTimer = setInterval(() => this.#checkJobs(), every);
      this.#jobTimer.unref?.();
    }
  }

  /** Checks each job that has run at least `everyMs` (its CPU time since its first check). */
  #checkJobs(): void {
    const every = this.#o.everyMs;
    const now = performance.now();
    for (const [instance, run] of this.#running) {
      if (instance.jobs[0] !== run.job || instance.state === 'dead' || instance.demoted) {
        this.#running.delete(instance);
        continue;
      }
      if (now - run.since < every) continue;
      const cpu = instance.worker?.cpuTimeMs?.();
      run.checks++;
      run.first ??= cpu;
      const used = cpu !== undefined && run.first !== undefined ? cpu - run.first : undefined;
      // CPU it used, not time it ran: an invocation waiting on a capability call, or for a CPU
      // on a crowded machine, is not a hog (lowering its priority would starve it further).
      if (used === undefined ? run.checks >= 2 : used >= every) {
        this.#running.delete(instance);
        this.#demote(instance, 'an invocation kept its thread busy', {
          afterMs: Math.round(now - run.since),
          ...(used !== undefined ? { cpuMs: used } : {}),
        });
      }
    }
    if (this.#running.size === 0) {
      clearInterval(this.#jobTimer);
      this.#jobTimer = undefined;
    }
  }

  /** The instance is gone: forget it. */
  forget(instance: WatchedInstance): void {
    this.#busy.delete(instance);
    this.#samples.delete(instance);
    this.#running.delete(instance);
  }

  /** Stops every check (the pool closes). */
  stop(): void {
    this.#stopSampling();
    this.#running.clear();
    clearInterval(this.#jobTimer);
    this.#jobTimer = undefined;
  }

  /** Samples busy instances every quarter window while any is busy. */
  #sample(instance: WatchedInstance): void {
    if (!instance.worker?.runnableMs && !instance.worker?.cpuTimeMs) return;
    this.#busy.add(instance);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), Math.max(50, this.#o.windowMs / 4));
      this.#timer.unref?.();
    }
  }

  #tick(): void {
    const now = performance.now();
    for (const instance of this.#busy) {
      if (instance.state === 'dead' || instance.demoted) {
        this.forget(instance);
        continue;
      }
      const w = instance.worker;
      const cpu = w?.cpuTimeMs?.();
      const runnable = w?.runnableMs?.();
      if (cpu === undefined && runnable === undefined) continue;
      const samples = this.#samples.get(instance) ?? [];
      samples.push({ t: now, cpu: cpu ?? Number.NaN, runnable: runnable ?? Number.NaN });
      while (samples.length > 1 && now - (samples[1]?.t ?? now) >= this.#o.windowMs)
        samples.shift();
      this.#samples.set(instance, samples);
      const oldest = samples[0];
      if (oldest && now - oldest.t >= this.#o.windowMs) {
        // Shares of a core over the window (NaN where the platform does not say).
        const span = now - oldest.t;
        const c = ((cpu ?? Number.NaN) - oldest.cpu) / span;
        const r = ((runnable ?? Number.NaN) - oldest.runnable) / span;
        // A hog: it used most of a core; or, on a crowded machine where no thread gets a core to
        // itself, it wanted the CPU nearly all the time and got a real share of it. A thread that
        // wanted the CPU but got little (a victim of the crowd), or that waits on capability
        // calls, is not one: lowering its priority would starve it further.
        const hog = Number.isNaN(c)
          ? r >= this.#o.sustainedShare
          : c >= this.#o.sustainedShare || (r >= this.#o.sustainedShare && c >= MIN_CPU_SHARE);
        if (hog) {
          this.#demote(instance, 'its thread stayed busy', {
            share: Math.round((Number.isNaN(c) ? r : c) * 100) / 100,
            ...(Number.isNaN(r) ? {} : { runnable: Math.round(r * 100) / 100 }),
          });
          continue;
        }
      }
      if (instance.jobs.length === 0) this.forget(instance);
    }
    if (this.#busy.size === 0) this.#stopSampling();
  }

  #stopSampling(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #demote(instance: WatchedInstance, why: string, fields: Record<string, number>): void {
    instance.demoted = instance.worker?.deprioritize?.() ?? false;
    this.forget(instance);
    if (!instance.demoted) return;
    this.#o.onDemoted();
    this.#o.logger.warn(`instance priority lowered: ${why}`, fields);
  }
}

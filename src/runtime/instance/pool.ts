import { isAloftError, type Logger } from '../../support/index.ts';
import { HostEnd, createChannelBuffers } from '../channel.ts';
import { decode, encode, type Value } from '../codec.ts';
import { ComponentError } from '../errors.ts';
import type {
  CarriesLogs,
  HostCallReply,
  HostCallRequest,
  InvokeRequest,
  InvokeResponse,
  WorkerInit,
} from '../protocol.ts';
import {
  chooseInstance,
  isBlocked,
  isSurplus,
  liveCount,
  shouldRetire,
  instancesToStart,
  type InstanceView,
} from './dispatch.ts';
import type { InstanceWorker, WorkerSpawner } from './spawner.ts';
import type { Breaker } from './throttle.ts';
import { CpuWatch } from './cpu-watch.ts';

/** How an in-flight invocation looks to the code answering its host calls. */
export interface InvocationState {
  /** Monotonic time (ms, `performance.now()` scale) by which the invocation must finish. */
  deadline: number;
  /** Aborts when the invocation times out or its component is unloaded. */
  signal: AbortSignal;
  /** What the caller attached to the invocation (trace ids, link names...). */
  metadata: Readonly<Record<string, string>>;
}

/** Limits and wiring of one component's instance pool. */
export interface PoolOptions {
  /** Glue, modules, import list and memory cap, shared by every worker. */
  init: Omit<WorkerInit, 'channel'>;
  spawner: WorkerSpawner;
  /** Instances (workers) at most. */
  maxInstances: number;
  /** Instances kept started even when idle (started at load). */
  minInstances: number;
  /**
   * Instances that may start beyond `maxInstances` while instances wait on capability calls
   * (I/O wait is not CPU: a blocked instance should not starve other work). Each one stops
   * after `overflowIdleMs` without work.
   */
  overflowInstances: number;
  /** How long an instance beyond `maxInstances` stays idle before it stops. Default 1000 ms. */
  overflowIdleMs?: number;
  /** A capability call waiting this long makes its instance count as blocked. Default 0. */
  blockedAfterMs?: number;
  /** Invocations handed to one busy instance ahead of time (1 = none; see docs). */
  pipelineDepth: number;
  /** Invocations that may wait in the pool's queue; beyond that `COMPONENT_BUSY` at once. */
  maxQueue: number;
  /** Largest request, response or host-call message in bytes. */
  maxMessageBytes: number;
  /** Answers a guest's capability call: resolves with its `ok` value, or throws its error. */
  onHostCall(call: HostCallRequest, state: InvocationState): Promise<Value>;
  logger: Logger;
  /**
   * An invocation still running after this long is checked twice this far apart; one that kept
   * its thread busy (CPU time, not waiting on capabilities) has its worker's priority lowered for
   * good, so a spinning guest yields to the host and other components. 0 disables.
   */
  demoteCheckMs?: number;
  /**
   * The component's own deadline: a running invocation is terminated (its worker replaced) only
   * once it has run this long. A caller's shorter deadline fails the call, but never kills the
   * instance, so no caller can make another component's instances restart. Default: no floor.
   */
  killAfterMs?: number;
  /** Suspends the component while its invocations keep ending abnormally (trap, kill, crash). */
  breaker?: Breaker;
}

/** Counters for inspection and benchmarks. */
export interface PoolStats {
  instances: number;
  /** Instances with nothing to do. */
  idle: number;
  /** Invocations running or handed to an instance. */
  inFlight: number;
  /** Invocations waiting in the pool's queue. */
  queued: number;
  /** Instances waiting on a capability call (they hold an invocation but no CPU). */
  blocked: number;
  /** Instances being started. */
  starting: number;
  /** Workers started since load (replacements included). */
  started: number;
  /** Instances beyond `maxInstances` retired under load once fewer instances waited on I/O. */
  retired: number;
  /** Jobs taken back from the ring of an instance blocked on a capability call, to run elsewhere. */
  takenBack: number;
  timeouts: number;
  crashes: number;
  /** Workers whose priority was lowered because an invocation kept them busy. */
  demoted: number;
  /** Times the component was suspended, invocations refused meanwhile, and how long it still is (ms). */
  suspensions: number;
  refusedSuspended: number;
  suspendedMs: number;
}

interface Job {
  request: Uint8Array;
  metadata: Readonly<Record<string, string>>;
  /** When it was submitted (monotonic ms). */
  created: number;
  deadline: number;
  timeoutMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Made when a capability call first asks for the invocation's signal. */
  abort: AbortController | undefined;
  /** What the invocation failed with (aborts a signal asked for afterwards too). */
  failure: Error | undefined;
  /** What its capability calls see of it; made at the first one. */
  state: InvocationState | undefined;
  settled: boolean;
  /** Channel sequence number once handed to an instance. */
  seq: number;
  resolve(res: InvokeResponse): void;
  reject(err: Error): void;
}

class Instance implements InstanceView {
  state: InstanceView['state'] = 'starting';
  end: HostEnd | undefined;
  worker: InstanceWorker | undefined;
  /** Jobs handed to this instance, oldest (running) first. */
  readonly jobs: Job[] = [];
  /** Stops it when it stays idle while the pool is above its maximum. */
  surplusTimer: ReturnType<typeof setTimeout> | undefined;
  /** Its thread's priority was lowered. */
  demoted = false;
  /** When its current capability call began (host clock), while it waits on one. */
  hostCallSince: number | undefined;
  /** Beyond the pool's maximum and no longer needed: takes no new work, stops when empty. */
  retiring = false;

  /** Its jobs, or more: a request taken back stays in the ring until the worker skips it. */
  get load(): number {
    return Math.max(this.jobs.length, this.end?.outstanding ?? 0);
  }

  get inHostCall(): boolean {
    return this.end?.inHostCall ?? false;
  }

  /**
   * How long the current capability call has waited; 0 outside the pool's timing of it (its
   * reply is on the way back to the worker), which is no wait at all, not an endless one.
   */
  get hostCallMs(): number {
    return this.hostCallSince === undefined ? 0 : performance.now() - this.hostCallSince;
  }
}

/**
 * Hands an invocation's buffered `logging.log` calls to the host, in order; their outcome is not
 * awaited (a failure is logged). Used for invocations in workers and on the host thread.
 */
export function deliverLogs(
  logs: NonNullable<CarriesLogs['logs']>,
  state: InvocationState,
  o: Pick<PoolOptions, 'onHostCall' | 'logger'>,
): void {
  const failed = (err: unknown): void => {
    o.logger.warn('logging capability failed', { error: err });
  };
  for (const args of logs) {
    try {
      o.onHostCall({ iface: 'logging', fn: 'log', args }, state).catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}

/** The invocation as its capability calls see it; the AbortController only once one asks. */
function stateOf(job: Job): InvocationState {
  job.state ??= {
    deadline: job.deadline,
    metadata: job.metadata,
    get signal(): AbortSignal {
      if (!job.abort) {
        job.abort = new AbortController();
        if (job.failure) job.abort.abort(job.failure);
      }
      return job.abort.signal;
    },
  };
  return job.state;
}

const unloaded = (started = false): ComponentError =>
  new ComponentError(
    'COMPONENT_UNLOADED',
    `component was unloaded${started ? ' while the invocation ran (it may have acted)' : ''}`,
    { started },
  );

/**
 * A pool of instance workers for one component. Each worker holds one instance and runs one
 * invocation at a time; up to `pipelineDepth` more wait in its channel so it never idles between
 * them. A deadline is enforced by terminating the worker (a spinning guest cannot be interrupted
 * otherwise); invocations that had not started there go back to the queue, and a replacement
 * starts. A trap fails only its own invocation (the worker re-instantiates).
 */
export class InstancePool {
  readonly #o: PoolOptions;
  readonly #instances = new Set<Instance>();
  readonly #queue: Job[] = [];
  #closed = false;
  /** Pending re-check for capability calls that may pass `blockedAfterMs`. */
  #blockedTimer: ReturnType<typeof setTimeout> | undefined;
  #lastSpawnError: string | undefined;
  readonly #stats = {
    started: 0,
    retired: 0,
    takenBack: 0,
    timeouts: 0,
    crashes: 0,
    demoted: 0,
    suspensions: 0,
    refusedSuspended: 0,
  };

  readonly #cpu: CpuWatch;

  constructor(options: PoolOptions) {
    this.#o = options;
    this.#cpu = new CpuWatch({
      everyMs: options.demoteCheckMs ?? 50,
      sustainedShare: 0.8,
      windowMs: 1000,
      logger: options.logger,
      onDemoted: () => this.#stats.demoted++,
    });
  }

  /** Starts `minInstances` workers (at least one); resolves when all are ready. */
  async warm(): Promise<void> {
    const n = Math.max(1, this.#o.minInstances);
    await Promise.all(Array.from({ length: n }, () => this.#spawn()));
    if (this.#lastSpawnError !== undefined) {
      throw new ComponentError(
        'COMPONENT_INVALID',
        `instantiation failed: ${this.#lastSpawnError}`,
      );
    }
  }

  /** Runs one invocation within `timeoutMs` (time in the queue included). */
  invoke(
    req: InvokeRequest,
    timeoutMs: number,
    metadata: Readonly<Record<string, string>> = {},
  ): Promise<InvokeResponse> {
    if (this.#closed) return Promise.reject(unloaded());
    return new Promise<InvokeResponse>((resolve, reject) => {
      const now = performance.now();
      const suspended = this.#o.breaker?.suspendedFor(now) ?? 0;
      if (suspended > 0) {
        this.#stats.refusedSuspended++;
        reject(
          new ComponentError(
            'COMPONENT_SUSPENDED',
            `suspended for another ${Math.ceil(suspended)} ms: its last invocations trapped, crashed or ran past their deadline`,
          ),
        );
        return;
      }
      const job: Job = {
        request: encode(req as unknown as Value),
        metadata,
        created: now,
        deadline: now + timeoutMs,
        timeoutMs,
        timer: undefined,
        abort: undefined,
        failure: undefined,
        state: undefined,
        settled: false,
        seq: -1,
        resolve,
        reject,
      };
      // Idle instance first; else queue while the pool may grow; else pipeline; else BUSY.
      // Room in the queue counts the slots of instances that may still start.
      const room =
        this.#o.maxQueue + Math.max(0, this.#o.maxInstances - this.#live()) * this.#o.pipelineDepth;
      let target = chooseInstance(this.#instances, this.#o, true);
      if (!target && this.#queue.length >= room)
        target = chooseInstance(this.#instances, this.#o, false);
      if (!target && this.#queue.length >= room) {
        const cap = this.#o.maxInstances * this.#o.pipelineDepth;
        reject(
          new ComponentError(
            'COMPONENT_BUSY',
            `all ${cap} instance slots are taken and ${this.#queue.length} invocations are queued`,
            {
              hint: 'retry shortly, or raise maxInstances / maxQueue',
            },
          ),
        );
        return;
      }
      job.timer = setTimeout(() => this.#timeout(job), timeoutMs);
      if (target) this.#hand(target, job);
      else {
        this.#queue.push(job);
        this.#pump();
      }
    });
  }

  /** Invocations waiting for an instance. */
  get queued(): number {
    return this.#queue.length;
  }

  stats(): PoolStats {
    let idle = 0;
    let inFlight = 0;
    let instances = 0;
    let blocked = 0;
    let starting = 0;
    for (const i of this.#instances) {
      if (i.state === 'dead') continue;
      instances++;
      if (i.state === 'starting') starting++;
      if (i.state === 'ready' && i.jobs.length === 0) idle++;
      if (i.jobs.length > 0 && i.inHostCall) blocked++;
      inFlight += i.jobs.length;
    }
    return {
      instances,
      idle,
      inFlight,
      queued: this.#queue.length,
      blocked,
      starting,
      ...this.#stats,
      suspendedMs: Math.ceil(this.#o.breaker?.suspendedFor(performance.now()) ?? 0),
    };
  }

  /** Rejects queued and running invocations and terminates every worker. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#blockedTimer);
    this.#cpu.stop();
    for (const job of this.#queue.splice(0)) this.#settle(job, unloaded());
    await Promise.all(
      [...this.#instances].map((i) => {
        const started = i.end?.started ?? 0;
        for (const job of i.jobs) this.#settle(job, unloaded(job.seq < started));
        return this.#kill(i);
      }),
    );
  }

  #live(): number {
    return liveCount(this.#instances);
  }

  #hand(instance: Instance, job: Job): void {
    clearTimeout(instance.surplusTimer);
    instance.surplusTimer = undefined;
    if (instance.jobs.length === 0) instance.worker?.ref();
    instance.jobs.push(job);
    // Number the job before posting: a fast guest may call the host before post() returns.
    job.seq = instance.end?.nextSeq ?? -1;
    instance.end?.post(job.request);
    if (instance.jobs.length === 1) this.#cpu.started(instance);
  }

  /**
   * Pumps again once the oldest capability call still waiting has waited `blockedAfterMs` (one
   * timer for the pool, not one per call: most calls answer long before).
   */
  #checkBlockedLater(): void {
    const after = this.#o.blockedAfterMs ?? 0;
    if (after <= 0 || this.#blockedTimer || this.#closed) return;
    // The oldest call that has not yet waited long enough (those that have were pumped for).
    const now = performance.now();
    let oldest = Number.POSITIVE_INFINITY;
    for (const i of this.#instances) {
      const since = i.hostCallSince;
      if (since !== undefined && now - since < after) oldest = Math.min(oldest, since);
    }
    if (oldest === Number.POSITIVE_INFINITY) return;
    this.#blockedTimer = setTimeout(
      () => {
        this.#blockedTimer = undefined;
        this.#pump();
        this.#checkBlockedLater(); // calls that began after that one and still wait
      },
      Math.max(1, oldest + after - now),
    );
    this.#blockedTimer.unref?.();
  }

  /**
   * Takes back the jobs waiting in the rings of instances blocked on a capability call (behind
   * a write that waits for a quorum, say) and queues them again, first, so that another instance
   * runs them; a job the worker has already started stays.
   */
  #takeBackFromBlocked(): void {
    const after = this.#o.blockedAfterMs ?? 0;
    const back: Job[] = [];
    for (const i of this.#instances) {
      if (i.jobs.length < 2 || !isBlocked(i, after)) continue;
      for (const job of i.jobs.slice(1)) if (this.#takeBack(i, job)) back.push(job);
    }
    if (back.length === 0) return;
    this.#stats.takenBack += back.length;
    this.#queue.unshift(...back.sort((a, b) => a.created - b.created));
  }

  /**
   * Takes `job` back from `instance`'s ring if its worker has not started it; true means it will
   * never run there (the worker answers its slot with nothing, which `#response` ignores).
   */
  #takeBack(instance: Instance, job: Job): boolean {
    if (!instance.end?.cancel(job.seq)) return false;
    instance.jobs.splice(instance.jobs.indexOf(job), 1);
    if (instance.jobs.length === 0) instance.worker?.unref();
    job.seq = -1;
    return true;
  }

  #pump(): void {
    if (this.#closed) return;
    this.#takeBackFromBlocked();
    const more = instancesToStart(this.#instances, this.#queue.length, this.#o);
    if (more > 0 && this.#live() >= this.#o.maxInstances) {
      this.#o.logger.debug('instances started beyond maxInstances: the others wait on I/O', {
        more,
        live: this.#live(),
        blocked: this.stats().blocked,
        queued: this.#queue.length,
      });
    }
    for (let n = 0; n < more; n++) void this.#spawn();
    // Hand queued work out, pipelining onto busy instances while new ones start.
    for (;;) {
      const job = this.#queue[0];
      const target = job && chooseInstance(this.#instances, this.#o, false);
      if (!job || !target) break;
      this.#queue.shift();
      this.#hand(target, job);
    }
  }

  /** An idle instance beyond the maximum stops unless it gets work within `overflowIdleMs`. */
  #retireIfSurplus(instance: Instance): void {
    if (instance.retiring) {
      if (instance.load === 0 && instance.state === 'ready') void this.#kill(instance);
      return;
    }
    if (instance.surplusTimer || !isSurplus(instance, this.#instances, this.#o)) return;
    instance.surplusTimer = setTimeout(() => {
      instance.surplusTimer = undefined;
      if (!this.#closed && isSurplus(instance, this.#instances, this.#o)) void this.#kill(instance);
    }, this.#o.overflowIdleMs ?? 1000);
    // Never keeps the process alive on its own.
    (instance.surplusTimer as { unref?: () => void }).unref?.();
  }

  async #spawn(): Promise<void> {
    const instance = new Instance();
    const channel = createChannelBuffers(this.#o.pipelineDepth, this.#o.maxMessageBytes);
    instance.end = new HostEnd(channel, {
      onHostCall: (seq, call) => this.#hostCall(instance, seq, call),
      onResponse: (seq, bytes) => this.#response(instance, seq, bytes),
    });
    this.#instances.add(instance);
    this.#stats.started++;
    try {
      const { worker, ready } = await this.#o.spawner.spawn({ ...this.#o.init, channel });
      instance.worker = worker;
      worker.onExit((error) => this.#exited(instance, error));
      if (!ready.ready) throw new Error(ready.error);
      if (this.#closed || instance.state === 'dead') {
        await this.#kill(instance);
        return;
      }
      this.#lastSpawnError = undefined;
      instance.state = 'ready';
      worker.unref();
      this.#pump();
      this.#retireIfSurplus(instance);
    } catch (err) {
      this.#lastSpawnError = err instanceof Error ? err.message : String(err);
      this.#o.logger.error('instance failed to start', { error: this.#lastSpawnError });
      await this.#kill(instance);
      // Nothing would ever serve the queue: fail it now rather than at each deadline.
      if (this.#live() === 0) {
        const e = new ComponentError(
          'COMPONENT_INVALID',
          `instantiation failed: ${this.#lastSpawnError}`,
        );
        for (const job of this.#queue.splice(0)) this.#settle(job, e);
      }
    }
  }

  #response(instance: Instance, seq: number, bytes: Uint8Array): void {
    const job = instance.jobs[0];
    if (!job || job.seq !== seq) {
      // The empty answer to a job taken back: the ring slot it held is free now (and a retiring
      // instance may have nothing left).
      this.#pump();
      this.#retireIfSurplus(instance);
      return;
    }
    instance.jobs.shift();
    if (instance.jobs.length === 0) instance.worker?.unref();
    else this.#cpu.started(instance);
    const response = decode(bytes) as unknown as InvokeResponse & CarriesLogs;
    if ('trap' in response) this.#abnormal('trapped');
    else this.#o.breaker?.succeeded();
    this.#deliverLogs(job, response.logs);
    this.#settle(job, response);
    if (shouldRetire(instance, this.#instances, this.#o)) {
      instance.retiring = true;
      this.#stats.retired++;
    }
    this.#pump();
    this.#retireIfSurplus(instance);
  }

  async #hostCall(instance: Instance, seq: number, bytes: Uint8Array): Promise<Uint8Array> {
    const call = decode(bytes) as unknown as HostCallRequest;
    const job = instance.jobs.find((j) => j.seq === seq);
    if (job) this.#deliverLogs(job, call.logs);
    let reply: HostCallReply;
    if (!job) {
      reply = { err: { code: 'COMPONENT_UNLOADED', message: 'the invocation is gone' } };
    } else {
      // This instance now waits on I/O: queued work may go to another one now, and if the call
      // is still waiting after `blockedAfterMs`, the pool may grow for it then.
      instance.hostCallSince = performance.now();
      this.#pump();
      this.#checkBlockedLater();
      try {
        reply = { ok: await this.#o.onHostCall(call, stateOf(job)) };
      } catch (err) {
        const own = (err as { code?: unknown } | null)?.code;
        const code =
          isAloftError(err) || typeof own === 'string' ? String(own) : 'CAPABILITY_FAILED';
        reply = { err: { code, message: err instanceof Error ? err.message : String(err) } };
      } finally {
        instance.hostCallSince = undefined;
      }
    }
    try {
      return encode(reply as unknown as Value);
    } catch (err) {
      return encode({
        err: { code: 'CAPABILITY_FAILED', message: `unencodable reply: ${String(err)}` },
      });
    }
  }

  /** Hands buffered `logging.log` calls to the host, in order; their outcome is not awaited. */
  #deliverLogs(job: Job, logs: CarriesLogs['logs']): void {
    if (logs) deliverLogs(logs, stateOf(job), this.#o);
  }

  #timeout(job: Job): void {
    if (job.settled) return;
    const handedTo = [...this.#instances].find((i) => i.jobs.includes(job));
    // An answer the worker wrote while this thread was busy is not a deadline missed.
    handedTo?.end?.collect();
    if (job.settled) return;
    this.#stats.timeouts++;
    const queued = this.#queue.indexOf(job);
    if (queued !== -1) this.#queue.splice(queued, 1);
    // A job waiting in an instance's ring is taken back if the worker has not started it: then
    // it never runs, as one still in the pool's queue.
    const takenBack = handedTo !== undefined && this.#takeBack(handedTo, job);
    const neverRan = queued !== -1 || takenBack;
    const err = new ComponentError(
      'COMPONENT_TIMEOUT',
      `invocation exceeded its ${job.timeoutMs} ms deadline${neverRan ? ' while queued' : ''}`,
      { started: !neverRan },
    );
    this.#settle(job, err);
    const instance = takenBack ? undefined : handedTo;
    if (instance && (instance.end?.started ?? 0) > job.seq) {
      // It is running (a job still waiting in the ring just never gets an answer used). Kill
      // it once it has run as long as the component's own deadline allows, not before.
      const killAt = job.created + Math.max(job.timeoutMs, this.#o.killAfterMs ?? 0);
      const kill = (): void => {
        if (!instance.jobs.includes(job) || instance.state === 'dead') return;
        this.#o.logger.warn('instance terminated at deadline', {
          timeoutMs: Math.round(killAt - job.created),
        });
        this.#abnormal('ran past its deadline');
        void this.#replace(instance);
      };
      const wait = killAt - performance.now();
      if (wait <= 1) kill();
      else setTimeout(kill, wait).unref?.();
    }
  }

  /** A trap, a kill at the deadline or a crash: counts towards suspension. */
  #abnormal(what: string): void {
    const ms = this.#o.breaker?.failed(performance.now()) ?? 0;
    if (ms > 0) {
      this.#stats.suspensions++;
      this.#o.logger.warn('component suspended: its invocations keep failing abnormally', {
        last: what,
        suspendedMs: ms,
      });
    }
  }

  #settle(job: Job, outcome: InvokeResponse | Error): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    if (outcome instanceof Error) {
      job.failure = outcome;
      job.abort?.abort(outcome);
      job.reject(outcome);
    } else {
      job.resolve(outcome);
    }
  }

  async #kill(instance: Instance): Promise<void> {
    // No early return for an instance already dead: one killed while its worker was still
    // starting (a close during a spawn) gets that worker only now, and must stop it.
    clearTimeout(instance.surplusTimer);
    instance.state = 'dead';
    instance.end?.close();
    this.#instances.delete(instance);
    this.#cpu.forget(instance);
    // A dead instance must never keep the process alive, even if its thread is slow to stop.
    instance.worker?.unref();
    await instance.worker?.terminate();
  }

  /** Terminates an instance; its jobs that had not started go back to the front of the queue. */
  async #replace(instance: Instance, error?: Error): Promise<void> {
    // Answers already written are delivered, not failed with the instance.
    instance.end?.collect();
    const started = instance.end?.started ?? 0;
    const jobs = instance.jobs.splice(0);
    const requeue = jobs.filter((j) => !j.settled && j.seq >= started);
    for (const j of jobs) {
      if (!requeue.includes(j))
        this.#settle(j, error ?? new ComponentError('COMPONENT_TRAP', 'instance was terminated'));
    }
    this.#queue.unshift(...requeue);
    await this.#kill(instance);
    this.#pump();
  }

  #exited(instance: Instance, error: Error | undefined): void {
    if (instance.state === 'dead') return;
    this.#stats.crashes++;
    this.#abnormal('crashed');
    const message = error?.message ?? 'worker exited';
    this.#o.logger.error('instance worker died', { error: message });
    void this.#replace(
      instance,
      new ComponentError('COMPONENT_TRAP', `instance crashed: ${message}`),
    );
  }
}

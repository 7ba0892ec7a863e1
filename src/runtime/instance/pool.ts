import { isAloftError, type Logger } from '../../support/index.ts';
import { HostEnd, createChannelBuffers } from '../channel.ts';
import { decode, encode, type Value } from '../codec.ts';
import { ComponentError } from '../errors.ts';
import type {
  HostCallReply,
  HostCallRequest,
  InvokeRequest,
  InvokeResponse,
  WorkerInit,
} from '../protocol.ts';
import type { InstanceWorker, WorkerSpawner } from './spawner.ts';

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
  /** Instances (workers) at most; beyond that, invocations wait in the queue. */
  maxInstances: number;
  /** Instances kept started even when idle (pre-warmed at load). */
  minInstances: number;
  /** Invocations that may wait for an instance; beyond that `COMPONENT_BUSY` at once. */
  maxQueue: number;
  /** Largest request, response or host-call message in bytes. */
  maxMessageBytes: number;
  /** Answers a guest's capability call. */
  onHostCall(call: HostCallRequest, state: InvocationState): Promise<HostCallReply>;
  logger: Logger;
}

/** Counters for inspection and benchmarks. */
export interface PoolStats {
  instances: number;
  idle: number;
  busy: number;
  queued: number;
  /** Workers started since load (replacements included). */
  started: number;
  timeouts: number;
  crashes: number;
}

interface Slot {
  state: 'starting' | 'idle' | 'busy' | 'dead';
  end: HostEnd;
  worker: InstanceWorker | undefined;
  job: Job | undefined;
}

interface Job {
  request: Uint8Array;
  metadata: Readonly<Record<string, string>>;
  deadline: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  abort: AbortController | undefined;
  settled: boolean;
  resolve(res: InvokeResponse): void;
  reject(err: Error): void;
}

/**
 * A pool of instance workers for one component. Each worker holds one instance and runs one
 * invocation at a time. Deadlines are enforced by terminating the worker (a spinning guest
 * cannot be interrupted otherwise); the pool then starts a replacement.
 */
export class InstancePool {
  readonly #o: PoolOptions;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #closed = false;
  #lastSpawnError: string | undefined;
  readonly #stats = { started: 0, timeouts: 0, crashes: 0 };

  constructor(options: PoolOptions) {
    this.#o = options;
  }

  /** Starts `minInstances` workers; resolves when the first is ready, rejects if it fails. */
  async warm(): Promise<void> {
    const n = Math.max(1, this.#o.minInstances);
    const first = this.#spawn();
    for (let i = 1; i < n; i++) void this.#spawn();
    await first;
    if (this.#lastSpawnError !== undefined) {
      throw new ComponentError(
        'COMPONENT_INVALID',
        `instantiation failed: ${this.#lastSpawnError}`,
      );
    }
  }

  /** Runs one invocation within `timeoutMs`. */
  invoke(
    req: InvokeRequest,
    timeoutMs: number,
    metadata: Readonly<Record<string, string>> = {},
  ): Promise<InvokeResponse> {
    if (this.#closed)
      return Promise.reject(new ComponentError('COMPONENT_UNLOADED', 'component was unloaded'));
    return new Promise<InvokeResponse>((resolve, reject) => {
      const job: Job = {
        request: encode(req as unknown as Value),
        metadata,
        deadline: performance.now() + timeoutMs,
        timer: undefined,
        abort: undefined,
        settled: false,
        resolve,
        reject,
      };
      const idle = this.#idleSlot();
      if (!idle && this.#queue.length >= this.#o.maxQueue) {
        reject(
          new ComponentError(
            'COMPONENT_BUSY',
            `all ${this.#o.maxInstances} instances are busy and ${this.#queue.length} invocations are queued`,
            { hint: 'retry shortly, or raise maxInstances / maxQueue' },
          ),
        );
        return;
      }
      job.timer = setTimeout(() => this.#timeout(job, timeoutMs), timeoutMs);
      if (idle) {
        this.#run(idle, job);
      } else {
        this.#queue.push(job);
        this.#pump();
      }
    });
  }

  stats(): PoolStats {
    let idle = 0;
    let busy = 0;
    for (const s of this.#slots) {
      if (s.state === 'idle') idle++;
      else if (s.state === 'busy') busy++;
    }
    return { instances: this.#liveCount(), idle, busy, queued: this.#queue.length, ...this.#stats };
  }

  /** Rejects queued and running invocations and terminates every worker. */
  async close(): Promise<void> {
    this.#closed = true;
    const err = new ComponentError('COMPONENT_UNLOADED', 'component was unloaded');
    for (const job of this.#queue.splice(0)) this.#settle(job, err);
    const stops: Promise<void>[] = [];
    for (const slot of this.#slots) {
      if (slot.job) this.#settle(slot.job, err);
      stops.push(this.#kill(slot));
    }
    await Promise.all(stops);
  }

  #liveCount(): number {
    let n = 0;
    for (const s of this.#slots) if (s.state !== 'dead') n++;
    return n;
  }

  #idleSlot(): Slot | undefined {
    for (const s of this.#slots) if (s.state === 'idle') return s;
    return undefined;
  }

  async #spawn(): Promise<void> {
    const channel = createChannelBuffers(this.#o.maxMessageBytes);
    const slot: Slot = {
      state: 'starting',
      end: new HostEnd(channel),
      worker: undefined,
      job: undefined,
    };
    this.#slots.add(slot);
    this.#stats.started++;
    try {
      const { worker, ready } = await this.#o.spawner.spawn({ ...this.#o.init, channel });
      slot.worker = worker;
      worker.onExit((error) => this.#exited(slot, error));
      if (!ready.ready) throw new Error(ready.error);
      if (this.#closed || slot.state === 'dead') {
        await this.#kill(slot);
        return;
      }
      this.#lastSpawnError = undefined;
      slot.state = 'idle';
      worker.unref();
      this.#pump();
    } catch (err) {
      this.#lastSpawnError = err instanceof Error ? err.message : String(err);
      this.#o.logger.error('instance failed to start', { error: this.#lastSpawnError });
      await this.#kill(slot);
      // Nothing would ever serve the queue: fail it now rather than at each deadline.
      if (this.#liveCount() === 0) {
        const e = new ComponentError(
          'COMPONENT_INVALID',
          `instantiation failed: ${this.#lastSpawnError}`,
        );
        for (const job of this.#queue.splice(0)) this.#settle(job, e);
      }
    }
  }

  #pump(): void {
    for (;;) {
      const job = this.#queue[0];
      const slot = job && this.#idleSlot();
      if (!job || !slot) break;
      this.#queue.shift();
      this.#run(slot, job);
    }
    if (this.#closed) return;
    const live = this.#liveCount();
    let starting = 0;
    for (const s of this.#slots) if (s.state === 'starting') starting++;
    const short =
      live < this.#o.minInstances || (this.#queue.length > starting && live < this.#o.maxInstances);
    if (short) void this.#spawn();
  }

  #run(slot: Slot, job: Job): void {
    slot.state = 'busy';
    slot.job = job;
    slot.worker?.ref();
    slot.end
      .exchange(job.request, (bytes) => this.#hostCall(bytes, job))
      .then(
        (bytes) => {
          if (bytes !== undefined) this.#settle(job, decode(bytes) as unknown as InvokeResponse);
          if (slot.state === 'busy') {
            slot.state = 'idle';
            slot.job = undefined;
            slot.worker?.unref();
            this.#pump();
          }
        },
        (err: unknown) => {
          this.#settle(
            job,
            new ComponentError('COMPONENT_TRAP', `channel failure: ${String(err)}`, { cause: err }),
          );
          void this.#replace(slot);
        },
      );
  }

  async #hostCall(bytes: Uint8Array, job: Job): Promise<Uint8Array> {
    const call = decode(bytes) as unknown as HostCallRequest;
    job.abort ??= new AbortController();
    let reply: HostCallReply;
    try {
      reply = await this.#o.onHostCall(call, {
        deadline: job.deadline,
        signal: job.abort.signal,
        metadata: job.metadata,
      });
    } catch (err) {
      const own = (err as { code?: unknown } | null)?.code;
      const code = isAloftError(err) || typeof own === 'string' ? String(own) : 'CAPABILITY_FAILED';
      reply = { err: { code, message: err instanceof Error ? err.message : String(err) } };
    }
    try {
      return encode(reply as unknown as Value);
    } catch (err) {
      return encode({
        err: { code: 'CAPABILITY_FAILED', message: `unencodable reply: ${String(err)}` },
      });
    }
  }

  #timeout(job: Job, timeoutMs: number): void {
    if (job.settled) return;
    this.#stats.timeouts++;
    const queued = this.#queue.indexOf(job);
    if (queued !== -1) this.#queue.splice(queued, 1);
    this.#settle(
      job,
      new ComponentError(
        'COMPONENT_TIMEOUT',
        `invocation exceeded its ${timeoutMs} ms deadline${queued !== -1 ? ' while queued' : ''}`,
      ),
    );
    for (const slot of this.#slots) {
      if (slot.job === job) {
        this.#o.logger.warn('instance terminated at deadline', { timeoutMs });
        void this.#replace(slot);
      }
    }
  }

  #settle(job: Job, outcome: InvokeResponse | Error): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    if (outcome instanceof Error) {
      job.abort?.abort(outcome);
      job.reject(outcome);
    } else {
      job.resolve(outcome);
    }
  }

  async #kill(slot: Slot): Promise<void> {
    slot.state = 'dead';
    slot.end.close();
    this.#slots.delete(slot);
    await slot.worker?.terminate();
  }

  async #replace(slot: Slot): Promise<void> {
    await this.#kill(slot);
    if (!this.#closed) this.#pump();
  }

  #exited(slot: Slot, error: Error | undefined): void {
    if (slot.state === 'dead') return;
    this.#stats.crashes++;
    const message = error?.message ?? 'worker exited';
    this.#o.logger.error('instance worker died', { error: message });
    if (slot.job)
      this.#settle(slot.job, new ComponentError('COMPONENT_TRAP', `instance crashed: ${message}`));
    void this.#replace(slot);
  }
}

import type { InvokeRequest, InvokeResponse } from '../protocol.ts';
import { createGuest, type Guest, type GuestInit, type Instantiate } from './guest.ts';
import { deliverLogs, type PoolOptions } from './pool.ts';
import { TokenBucket, type Breaker } from './throttle.ts';

/**
 * Runs short invocations of a metered component on the host's own thread, with no thread hop.
 *
 * A worker costs two thread wake-ups per invocation (tens of µs on a busy VM: more than a small
 * guest's whole run). An invocation is tried here first when it can be stopped and can be redone
 * without anyone noticing:
 * - the component's core modules are fuel-metered (`wasm/fuel.ts`), so a loop traps once it has
 *   burnt the budget instead of holding the host thread;
 * - the guest gets no capability but logging (buffered): its first capability call throws, which
 *   unwinds it. Until then it has done nothing outside its own memory, so the invocation runs
 *   again in a worker as if it had never started.
 *
 * Whatever does not end plainly here (a capability call, a trap, fuel running out) is handed to
 * the worker pool, which does the accounting (breaker, trap counts, logs); the operation goes to
 * workers from then on, as does one that keeps running longer than `maxCallMs`. A component uses
 * at most a quarter of the host thread's time this way; beyond that its invocations go to
 * workers. The instance is replaced after anything abnormal, before its next use.
 */

export interface InlineOptions {
  init: GuestInit;
  instantiate: Instantiate;
  /** Fuel per invocation: function entries + loop iterations + KiB copied or filled. */
  budget: bigint;
  /** An invocation slower than this (ms) sends its operation to workers from then on. */
  maxCallMs: number;
  /** While the component is suspended, nothing runs here (the pool refuses, and counts). */
  breaker?: Breaker;
  /** Where the log lines of an invocation answered here go, as the pool's do. */
  onHostCall: PoolOptions['onHostCall'];
  logger: PoolOptions['logger'];
  /** The deadline the log lines' capability calls see (the component's own). */
  timeoutMs: number;
}

export interface InlineCounters {
  /** Invocations answered on the host thread. */
  inlineCalls: number;
  /** Invocations started on the host thread and handed to a worker (then never tried here again). */
  inlineFallbacks: number;
}

/** A component runs on the host thread at most this many ms per second (then in workers)... */
const HOST_THREAD_SHARE_MS = 250;
/** ...and at most this many ms in a row. */
const HOST_THREAD_BURST_MS = 25;

/** Slow invocations of an operation before it may go to workers (and then only if ≥ 1 in 4 is slow). */
const SLOW_CALLS = 5;

/** Invocations that ran out of fuel before the component runs only in workers. */
const MAX_FUEL_OUTS = 3;
/** Operations tracked per component (names come from callers). */
const MAX_OPERATIONS = 1000;

/** The signal of an invocation that ended here before anything could abort it. */
const NEVER = new AbortController().signal;

/** Thrown into the guest at its first capability call: only a worker can wait for the answer. */
class NeedsWorker extends Error {}

/** Operations are told apart by handler, and by name for `operation.call`. */
function keyOf(req: InvokeRequest): string {
  const base = `${req.iface}.${req.fn}`;
  return req.iface === 'operation' && typeof req.args[0] === 'string'
    ? `${base}:${req.args[0]}`
    : base;
}

export class InlineRunner {
  readonly #o: InlineOptions;
  readonly #guest: Guest;
  #ready = false;
  #off = false;
  #escaped = false;
  readonly #demoted = new Set<string>();
  #fuelOuts = 0;
  /** Per operation: invocations run here, and how many of them were slow. */
  readonly #timing = new Map<string, { calls: number; slow: number }>();
  readonly counters: InlineCounters = { inlineCalls: 0, inlineFallbacks: 0 };
  /** Milliseconds of host thread per second this component may use; beyond, workers run it. */
  readonly #share = new TokenBucket(HOST_THREAD_SHARE_MS, HOST_THREAD_BURST_MS, performance.now());

  constructor(options: InlineOptions) {
    this.#o = options;
    this.#guest = createGuest(options.init, options.instantiate, () => {
      this.#escaped = true;
      throw new NeedsWorker('a capability call: the invocation moves to a worker');
    });
  }

  /** The invocation's answer (its log lines delivered), or `undefined`: run it in a worker. */
  tryRun(
    req: InvokeRequest,
    metadata: Readonly<Record<string, string>> = {},
  ): InvokeResponse | undefined {
    if (this.#off) return undefined;
    const key = keyOf(req);
    if (this.#demoted.has(key)) return undefined;
    // Operation names come from callers: past a bound, stop tracking (and running) them here.
    if (!this.#timing.has(key) && this.#timing.size + this.#demoted.size >= MAX_OPERATIONS) {
      this.#off = true;
      return undefined;
    }
    const now = performance.now();
    if ((this.#o.breaker?.suspendedFor(now) ?? 0) > 0) return undefined;
    // Under heavy load the workers take over: the host thread also has NATS, HTTP and timers.
    if (this.#share.take(now, 0) > 0) return undefined;
    if (!this.#ready) {
      try {
        this.#guest.fresh();
      } catch {
        this.#off = true;
        return undefined;
      }
      // An unmetered module could not be stopped: never run it here.
      if (this.#guest.fuel.length === 0) {
        this.#off = true;
        return undefined;
      }
      this.#ready = true;
    }
    for (const g of this.#guest.fuel) g.value = this.#o.budget;
    this.#escaped = false;
    const t0 = performance.now();
    const { response, poisoned } = this.#guest.run(req);
    const ms = performance.now() - t0;
    this.#share.take(t0 + ms, ms);
    const oversized =
      'ok' in response &&
      response.ok instanceof Uint8Array &&
      response.ok.length > this.#o.init.maxMessageBytes;
    if (this.#escaped || 'trap' in response || oversized) {
      // Out of fuel: a guest that spins here more than a few times never runs here again.
      if (!this.#escaped && this.#guest.fuel.some((g) => (g.value as bigint) < 0n)) {
        if (++this.#fuelOuts >= MAX_FUEL_OUTS) this.#off = true;
      }
      this.#escaped = false;
      this.#ready = false;
      this.#guest.dropLogs();
      this.#demoted.add(key);
      this.counters.inlineFallbacks++;
      return undefined;
    }
    // An operation that uses its instance up (a wasi:http request), or is slow again and again,
    // goes to workers. A few slow ones are forgiven: the first invocations of an instance run
    // while V8 still compiles the module and the bindings.
    if (poisoned) {
      this.#ready = false;
      this.#demoted.add(key);
    }
    let timing = this.#timing.get(key);
    if (!timing) {
      timing = { calls: 0, slow: 0 };
      this.#timing.set(key, timing);
    }
    timing.calls++;
    if (ms > this.#o.maxCallMs && ++timing.slow >= SLOW_CALLS && timing.slow * 4 >= timing.calls) {
      this.#demoted.add(key);
    }
    this.#o.breaker?.succeeded();
    this.counters.inlineCalls++;
    const { logs, ...answer } = response;
    if (logs) {
      const state = { deadline: t0 + this.#o.timeoutMs, signal: NEVER, metadata };
      deliverLogs(logs, state, this.#o);
    }
    return answer;
  }
}

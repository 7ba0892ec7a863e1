/**
 * Per-component throttles: a token bucket for capability calls (over the rate, calls wait rather
 * than fail, so a looping guest sleeps instead of spinning the host) and a circuit breaker that
 * suspends a component whose invocations keep ending abnormally (traps, timeouts, crashes), so a
 * component that can only crash cannot keep the host busy restarting it. Pure: time is passed in.
 */

/** A token bucket: `rate` tokens per second, holding at most `burst`. */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(rate: number, burst: number, now: number) {
    this.#rate = rate;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
    this.#at = now;
  }

  /**
   * Takes `cost` tokens (going into debt if needed) and returns how long, in ms, the caller must
   * wait before acting: 0 while the bucket had enough.
   */
  take(now: number, cost = 1): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    this.#tokens -= cost;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#rate) * 1000;
  }

  /** Takes one token if there is one; false otherwise (for what is dropped, not delayed). */
  tryTake(now: number): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Options of {@link Breaker}. */
export interface BreakerOptions {
  /** Abnormal endings in a row that suspend the component. */
  threshold: number;
  /** First suspension, ms; doubles each time it trips again without a success in between. */
  baseMs: number;
  maxMs: number;
}

/**
 * Counts abnormal endings in a row; after `threshold`, the component is suspended for a backoff
 * that doubles while it keeps failing. One normal ending (a result or a guest error) resets it.
 */
export class Breaker {
  readonly #o: BreakerOptions;
  #failures = 0;
  #trips = 0;
  #until = 0;

  constructor(options: BreakerOptions) {
    this.#o = options;
  }

  /** Milliseconds of suspension left at `now` (0 when invocations may run). */
  suspendedFor(now: number): number {
    return Math.max(0, this.#until - now);
  }

  succeeded(): void {
    this.#failures = 0;
    this.#trips = 0;
  }

  /** Records an abnormal ending; returns the suspension it starts, in ms (0 if none). */
  failed(now: number): number {
    if (this.#o.threshold <= 0) return 0;
    if (++this.#failures < this.#o.threshold) return 0;
    this.#failures = 0;
    const ms = Math.min(this.#o.maxMs, this.#o.baseMs * 2 ** this.#trips);
    this.#trips++;
    this.#until = now + ms;
    return ms;
  }
}

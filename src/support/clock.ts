/** Time, passed in so that logic depending on it can be tested with a fake. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (for timestamps shown to people). */
  now(): number;
  /** Monotonic milliseconds (for durations, deadlines and leases). */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock that moves only when told to: for unit tests of time-dependent logic. */
export function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    monotonic: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

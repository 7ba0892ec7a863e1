import type { CallStats } from '../lattice/index.ts';

/**
 * One call as the host saw it. Every call served here, from NATS or in-process, is reported once,
 * from one place (`invokeLocal`), so heartbeat statistics and any other instrumentation (metrics,
 * traces) count the same thing.
 */
export interface CallRecord {
  component: string;
  operation: string;
  /** `shed`: refused before it started (BUSY, draining), so the caller tried elsewhere. */
  outcome: 'ok' | 'error' | 'shed';
  /** Time on the instance pool (0 for a shed call). */
  durationMs: number;
  /** The error code of a failed or shed call. */
  code?: string;
}

export type CallObserver = (call: CallRecord) => void;

/** Per-component counters and the latency of the current heartbeat interval. */
export interface CallStatsRecorder {
  readonly observe: CallObserver;
  /**
   * The statistics for a heartbeat: every component in `components` plus any with calls in this
   * interval. Starts a new latency interval.
   */
  take(components: Iterable<string>): Record<string, CallStats>;
}

/** Latency samples kept per component and interval (uniform reservoir beyond that). */
const MAX_SAMPLES = 512;

interface Entry {
  ok: number;
  err: number;
  shed: number;
  samples: number[];
  /** Calls timed in this interval (may exceed `samples.length`). */
  seen: number;
  max: number;
}

/**
 * Counts calls per component for the heartbeat.
 *
 * @param random a number in [0, 1), for the latency reservoir; fixed in tests.
 * @example
 * const stats = createCallStats();
 * stats.observe({ component: 'echo', operation: 'echo', outcome: 'ok', durationMs: 0.4 });
 * stats.take(['echo']); // { echo: { ok: 1, err: 0, p50: 0.4, p99: 0.4, max: 0.4 } }
 */
export function createCallStats(random: () => number = Math.random): CallStatsRecorder {
  const entries = new Map<string, Entry>();
  const entry = (component: string): Entry => {
    let e = entries.get(component);
    if (!e) {
      e = { ok: 0, err: 0, shed: 0, samples: [], seen: 0, max: 0 };
      entries.set(component, e);
    }
    return e;
  };
  return {
    observe: (call) => {
      const e = entry(call.component);
      if (call.outcome === 'shed') {
        e.shed++;
        return;
      }
      if (call.outcome === 'ok') e.ok++;
      else e.err++;
      e.seen++;
      e.max = Math.max(e.max, call.durationMs);
      if (e.samples.length < MAX_SAMPLES) e.samples.push(call.durationMs);
      else {
        const i = Math.floor(random() * e.seen);
        if (i < MAX_SAMPLES) e.samples[i] = call.durationMs;
      }
    },
    take: (components) => {
      const names = new Set(components);
      for (const [name, e] of entries) if (e.seen > 0 || e.shed > 0) names.add(name);
      const out: Record<string, CallStats> = {};
      for (const name of [...names].sort()) {
        const e = entry(name);
        out[name] = {
          ok: e.ok,
          err: e.err,
          ...(e.shed > 0 ? { shed: e.shed } : {}),
          ...latencySummary(e.samples, e.max),
        };
        e.samples = [];
        e.seen = 0;
        e.max = 0;
      }
      return out;
    },
  };
}

/** p50, p99 (nearest rank) and max of `samples`, rounded to 0.01 ms; nothing when empty. */
export function latencySummary(
  samples: readonly number[],
  max = Math.max(...samples),
): { p50?: number; p99?: number; max?: number } {
  if (samples.length === 0) return {};
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const r = (n: number): number => Math.round(n * 100) / 100;
  return { p50: r(rank(0.5)), p99: r(rank(0.99)), max: r(max) };
}

/** What every benchmark receives and returns; `run.ts` prints the figures and records them. */
export interface BenchContext {
  /** Extra command-line arguments after the benchmark's name. */
  args: string[];
  /** Progress lines (not recorded). */
  log: (line: string) => void;
}

/** One measured figure. `ratio` compares it with the run's baseline (e.g. 1.3 = 1.3× the baseline). */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  ratio?: number;
  goal?: string;
}

export interface BenchResult {
  title: string;
  /** What the ratios are measured against, in words. */
  baseline: string;
  rows: BenchRow[];
  notes?: string[];
}

export type Bench = (ctx: BenchContext) => Promise<BenchResult>;

/** Percentile (0..100) of a list of numbers, by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Runs `fn` `count` times in sequence and returns each duration in milliseconds. */
export async function timeSequential(count: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Runs `total` calls of `fn` with `inFlight` outstanding at once; returns calls per second. */
export async function throughput(
  total: number,
  inFlight: number,
  fn: () => Promise<unknown>,
): Promise<number> {
  let started = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (started < total) {
      started++;
      await fn();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return total / ((performance.now() - t0) / 1000);
}

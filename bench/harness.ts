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

/** Per-variant samples of {@link interleaved}: every duration, and each round's own samples. */
export interface Interleaved {
  all: number[];
  rounds: number[][];
}

/**
 * Times several variants in alternating rounds (`warm` untimed calls, then `perRound` timed
 * sequential calls of each variant in turn), so that a shared machine's changing load falls on
 * every variant alike. Ratios between variants are then best taken per round (see
 * {@link medianRatio}).
 */
export async function interleaved<K extends string>(
  variants: Record<K, () => Promise<unknown>>,
  options: { rounds: number; perRound: number; warm?: number },
): Promise<Record<K, Interleaved>> {
  const names = Object.keys(variants) as K[];
  const out = {} as Record<K, Interleaved>;
  for (const name of names) out[name] = { all: [], rounds: [] };
  for (let r = 0; r < options.rounds; r++) {
    for (const name of names) {
      const fn = variants[name];
      for (let i = 0; i < (options.warm ?? 20); i++) await fn();
      const times = await timeSequential(options.perRound, fn);
      out[name].rounds.push(times);
      out[name].all.push(...times);
    }
  }
  return out;
}

/** The median over rounds of (p-th percentile of `a` ÷ p-th percentile of `b`) in that round. */
export function medianRatio(a: Interleaved, b: Interleaved, p = 50): number {
  const ratios = a.rounds.map((t, i) => percentile(t, p) / percentile(b.rounds[i] ?? [], p));
  return percentile(ratios, 50);
}

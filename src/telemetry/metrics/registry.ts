import { TelemetryCodes, TelemetryError } from '../errors.ts';
import { escapeHelp, formatLabels, formatValue, isLabelName, isMetricName } from './exposition.ts';

/** Label values by label name. */
export type Labels<L extends string = string> = Readonly<Record<L, string>>;

/** One labelled series of a counter. */
export interface CounterSeries {
  inc(by?: number): void;
  value(): number;
}
/** A value that only goes up (resets when the process restarts). Name it `…_total`. */
export interface Counter<L extends string = never> {
  inc(labels: Labels<L>, by?: number): void;
  /** The series for `labels`, kept: use it on hot paths to skip the lookup. */
  with(labels: Labels<L>): CounterSeries;
}

export interface GaugeSeries {
  set(value: number): void;
  inc(by?: number): void;
  dec(by?: number): void;
  value(): number;
}
/** A value that goes up and down; or, with `collect`, one read at every scrape. */
export interface Gauge<L extends string = never> {
  set(labels: Labels<L>, value: number): void;
  with(labels: Labels<L>): GaugeSeries;
}

export interface HistogramSeries {
  observe(value: number): void;
  count(): number;
  sum(): number;
}
/** Observations counted into cumulative buckets, with their sum and count. */
export interface Histogram<L extends string = never> {
  observe(labels: Labels<L>, value: number): void;
  with(labels: Labels<L>): HistogramSeries;
}

interface Definition<L extends string> {
  name: string;
  help: string;
  labels?: readonly L[];
}

interface Collected<L extends string> {
  /**
   * Read at every scrape instead of being set: the series it returns are the metric's series
   * (e.g. instances per component, the process's CPU time).
   */
  collect?: () => Iterable<readonly [Labels<L>, number]>;
}

/**
 * Latency buckets in seconds: Aloft's in-process calls take tens of microseconds, remote ones
 * around a millisecond, and a call that waits out a failover a few seconds.
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Label value every label takes once a metric has `maxSeries` series (a cardinality guard). */
export const OVERFLOW_LABEL_VALUE = '_overflow';

/**
 * A metrics registry rendering the Prometheus text format (0.0.4). Hand-written and small: three
 * metric types, validated names, escaped labels, cumulative histogram buckets.
 *
 * @example
 * const registry = createRegistry();
 * const calls = registry.counter({ name: 'aloft_calls_total', help: 'Calls.', labels: ['component'] });
 * calls.inc({ component: 'echo' });
 * registry.render(); // '# HELP aloft_calls_total Calls.\n# TYPE aloft_calls_total counter\n…'
 */
export interface MetricsRegistry {
  counter<L extends string = never>(def: Definition<L> & Collected<L>): Counter<L>;
  gauge<L extends string = never>(def: Definition<L> & Collected<L>): Gauge<L>;
  histogram<L extends string = never>(
    def: Definition<L> & { buckets?: readonly number[] },
  ): Histogram<L>;
  /** Every metric in the text exposition format. */
  render(): string;
}

interface Family {
  render(out: string[]): void;
}

/** Creates an empty registry. `maxSeries` bounds each metric's label sets (default 1000). */
export function createRegistry(options: { maxSeries?: number } = {}): MetricsRegistry {
  const maxSeries = options.maxSeries ?? 1000;
  const families = new Map<string, Family>();

  const define = <L extends string>(def: Definition<L>, reserved: readonly string[]): string[] => {
    const invalid = (what: string): TelemetryError =>
      new TelemetryError(TelemetryCodes.METRIC_INVALID, `metric ${def.name}: ${what}`);
    if (!isMetricName(def.name)) throw invalid('not a valid metric name');
    if (families.has(def.name)) throw invalid('defined twice');
    const names = [...(def.labels ?? [])] as string[];
    for (const n of names) {
      if (!isLabelName(n)) throw invalid(`label ${JSON.stringify(n)} is not a valid label name`);
      if (reserved.includes(n)) throw invalid(`label ${n} is reserved`);
    }
    if (new Set(names).size !== names.length) throw invalid('a label is listed twice');
    return names;
  };

  /** Series by their label values, created on first use, folded into one past `maxSeries`. */
  const seriesMap = <S>(metric: string, names: string[], create: () => S) => {
    const series = new Map<string, { values: string[]; s: S }>();
    const get = (labels: Labels<string> | undefined): S => {
      const values = names.map((n) => labels?.[n]);
      const key = values.join('\u0000');
      const hit = series.get(key);
      if (hit) return hit.s;
      for (let i = 0; i < names.length; i++) {
        if (typeof values[i] !== 'string') {
          throw new TelemetryError(
            TelemetryCodes.METRIC_INVALID,
            `metric ${metric}: label ${names[i]} has no value`,
          );
        }
      }
      const extra = Object.keys(labels ?? {}).filter((k) => !names.includes(k));
      if (extra.length > 0) {
        throw new TelemetryError(
          TelemetryCodes.METRIC_INVALID,
          `metric ${metric}: unknown label ${extra.join(', ')}`,
        );
      }
      if (series.size >= maxSeries) {
        const overflow = names.map(() => OVERFLOW_LABEL_VALUE);
        const okey = overflow.join('\u0000');
        let o = series.get(okey);
        if (!o) series.set(okey, (o = { values: overflow, s: create() }));
        return o.s;
      }
      const s = create();
      series.set(key, { values: values as string[], s });
      return s;
    };
    return { get, entries: () => series.values() };
  };

  const header = (out: string[], name: string, help: string, type: string): void => {
    out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  };

  return {
    counter(def) {
      const names = define(def, []);
      const map = seriesMap(def.name, names, (): CounterSeries => {
        let v = 0;
        return {
          inc: (by = 1) => {
            if (!(by >= 0)) {
              throw new TelemetryError(
                TelemetryCodes.METRIC_INVALID,
                `counter ${def.name} cannot go down (inc by ${by})`,
              );
            }
            v += by;
          },
          value: () => v,
        };
      });
      // An unlabelled counter exists from the start.
      if (names.length === 0 && !def.collect) map.get(undefined);
      families.set(def.name, {
        render(out) {
          header(out, def.name, def.help, 'counter');
          if (def.collect) return renderCollected(out, def.name, names, def.collect);
          for (const { values, s } of map.entries()) {
            out.push(`${def.name}${formatLabels(names, values)} ${formatValue(s.value())}`);
          }
        },
      });
      return {
        inc: (labels, by) => map.get(labels).inc(by),
        with: (labels) => map.get(labels),
      };
    },

    gauge(def) {
      const names = define(def, []);
      const map = seriesMap(def.name, names, (): GaugeSeries => {
        let v = 0;
        return {
          set: (x) => (v = x),
          inc: (by = 1) => (v += by),
          dec: (by = 1) => (v -= by),
          value: () => v,
        };
      });
      if (names.length === 0 && !def.collect) map.get(undefined);
      families.set(def.name, {
        render(out) {
          header(out, def.name, def.help, 'gauge');
          if (def.collect) return renderCollected(out, def.name, names, def.collect);
          for (const { values, s } of map.entries()) {
            out.push(`${def.name}${formatLabels(names, values)} ${formatValue(s.value())}`);
          }
        },
      });
      return {
        set: (labels, value) => map.get(labels).set(value),
        with: (labels) => map.get(labels),
      };
    },

    histogram(def) {
      const names = define(def, ['le']);
      const bounds = [...new Set(def.buckets ?? LATENCY_BUCKETS)]
        .filter((b) => b !== Infinity)
        .sort((a, b) => a - b);
      if (bounds.length === 0 || bounds.some((b) => Number.isNaN(b))) {
        throw new TelemetryError(
          TelemetryCodes.METRIC_INVALID,
          `histogram ${def.name}: buckets must be numbers`,
        );
      }
      const leValues = [...bounds.map(formatValue), '+Inf'];
      const map = seriesMap(def.name, names, () => {
        const counts = new Array<number>(bounds.length + 1).fill(0);
        let sum = 0;
        let count = 0;
        return {
          observe: (value: number) => {
            if (Number.isNaN(value)) return; // would poison the sum for good
            let i = 0;
            while (i < bounds.length && value > (bounds[i] as number)) i++;
            counts[i] = (counts[i] ?? 0) + 1;
            sum += value;
            count++;
          },
          count: () => count,
          sum: () => sum,
          counts,
        };
      });
      if (names.length === 0) map.get(undefined);
      const bucketNames = [...names, 'le'];
      families.set(def.name, {
        render(out) {
          header(out, def.name, def.help, 'histogram');
          for (const { values, s } of map.entries()) {
            let cumulative = 0;
            for (let i = 0; i < leValues.length; i++) {
              cumulative += s.counts[i] ?? 0;
              const labels = formatLabels(bucketNames, [...values, leValues[i] as string]);
              out.push(`${def.name}_bucket${labels} ${formatValue(cumulative)}`);
            }
            const labels = formatLabels(names, values);
            out.push(`${def.name}_sum${labels} ${formatValue(s.sum())}`);
            out.push(`${def.name}_count${labels} ${formatValue(s.count())}`);
          }
        },
      });
      return {
        observe: (labels, value) => map.get(labels).observe(value),
        with: (labels) => map.get(labels),
      };
    },

    render() {
      const out: string[] = [];
      for (const f of families.values()) f.render(out);
      return out.length === 0 ? '' : out.join('\n') + '\n';
    },
  };
}

/**
 * Series read from a collector at scrape time. A collector that throws leaves its metric without
 * series for this scrape rather than failing the whole scrape.
 */
function renderCollected<L extends string>(
  out: string[],
  name: string,
  names: readonly string[],
  collect: () => Iterable<readonly [Labels<L>, number]>,
): void {
  let collected: (readonly [Labels<L>, number])[];
  try {
    collected = [...collect()];
  } catch {
    return;
  }
  for (const [labels, value] of collected) {
    const values = names.map((n) => (labels as Record<string, string>)[n] ?? '');
    out.push(`${name}${formatLabels(names, values)} ${formatValue(value)}`);
  }
}

import { HEALTHY_RUN, type Incident, type Timeline } from './timeline.ts';

const s1 = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const n = (x: number): string => x.toLocaleString('en');
const ms = (x: number): string => (x >= 100 ? n(Math.round(x)) : x.toFixed(1));

function faultName(inc: Incident): string {
  return [inc.fault.kind, ...inc.fault.targets].join(' ');
}

function placementLine(inc: Incident): string {
  const p = inc.placement;
  if (!p) return inc.repair ? 'not rebalanced within the run' : 'not re-placed within the run';
  const where = Object.entries(p.instances)
    .filter(([, k]) => k > 0)
    .map(([c, k]) => `${c} ${k}`)
    .join(', ');
  const total = Object.values(p.instances).reduce((a, b) => a + b, 0);
  return `${inc.repair ? 'rebalanced' : 're-placed'}: ${total} instances (${where})`;
}

/** Why a run is summarised as it is: the title line of the report and the chart. */
export function reportTitle(t: Timeline): string {
  const clouds = Object.keys(t.start?.desired ?? {});
  const total = Object.values(t.start?.desired ?? {}).reduce((a, b) => a + b, 0);
  const rate = t.start?.ratePerCloud;
  return (
    `Aloft simulation: ${clouds.length} clouds (${clouds.join(', ')}), ${total} instances` +
    (rate ? `, ${rate} calls/s per cloud` : '')
  );
}

/**
 * The report as text: for each fault, when it was injected, detected, made whole and recovered
 * from, with the load's figures in between.
 *
 * @example
 * renderReport(deriveTimeline(readJournal(file))).join('\n');
 */
export function renderReport(t: Timeline): string[] {
  const lines = [
    reportTitle(t),
    `${t.totals.seconds} s of load: ${n(t.totals.ok)} calls ok, ${n(t.totals.errors)} failed`,
  ];
  if (t.incidents.length === 0) lines.push('', 'no fault was injected during the run');
  for (const inc of t.incidents) {
    lines.push('', `+${inc.atS.toFixed(1)} s  ${faultName(inc)}`);
    const d = inc.detection;
    if (d && inc.repair) {
      lines.push(`  +${s1(d.lastMs).padEnd(8)} hosts back: ${d.hosts} host(s) heartbeating again`);
    } else if (d) {
      const last = d.hosts > 1 ? ` (all ${d.hosts} by +${s1(d.lastMs)})` : '';
      lines.push(`  +${s1(d.firstMs).padEnd(8)} detected: ${d.event}${last}`);
    } else if (!inc.repair) {
      lines.push('  no host_lost for the targets within the run');
    }
    lines.push(
      inc.placement
        ? `  +${s1(inc.placement.afterMs).padEnd(8)} ${placementLine(inc)}`
        : `  ${placementLine(inc)}`,
    );
    const limit =
      inc.thresholdMs !== undefined
        ? `p99 ≤ ${ms(inc.thresholdMs)} ms (baseline ${ms(inc.baselineP99Ms ?? 0)} ms)`
        : 'no baseline p99';
    lines.push(
      inc.recovery
        ? `  +${s1(inc.recovery.afterMs).padEnd(8)} recovered: error-free, ${limit}, for ${HEALTHY_RUN} s`
        : `  not recovered within the run (error-free, ${limit}, for ${HEALTHY_RUN} s)`,
    );
    const w = inc.during;
    lines.push(
      `  until then: ${n(w.ok)} calls ok, ${n(w.errors)} failed, p99 peak ${ms(w.peakP99Ms)} ms, lowest ${n(w.minPerS)} calls/s`,
    );
  }
  return lines;
}

/** The report as a Markdown table, for BENCHMARKS.md. */
export function renderMarkdown(t: Timeline, png?: string): string[] {
  const cell = (v: number | undefined): string => (v === undefined ? '—' : s1(v));
  const lines = [
    `${reportTitle(t)}; ${t.totals.seconds} s of load, ${n(t.totals.ok)} calls ok, ${n(t.totals.errors)} failed.`,
    '',
    '| fault | at | detected (first / all) | re-placed or rebalanced | recovered | calls until recovered | failed | p99 peak |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const inc of t.incidents) {
    const d = inc.detection;
    const det = d
      ? inc.repair
        ? `${cell(d.lastMs)} (hosts back)`
        : `${cell(d.firstMs)} / ${cell(d.lastMs)}`
      : '—';
    lines.push(
      `| ${faultName(inc)} | ${inc.atS.toFixed(1)} s | ${det} | ${cell(inc.placement?.afterMs)} | ${cell(inc.recovery?.afterMs)} | ${n(inc.during.ok)} | ${n(inc.during.errors)} | ${ms(inc.during.peakP99Ms)} ms |`,
    );
  }
  lines.push(
    '',
    `Times are after the fault. Recovered: error-free with p99 at most twice the median p99 of the 10 s before the fault (at least +5 ms), for ${HEALTHY_RUN} s in a row.`,
  );
  if (png) lines.push('', `![throughput and latency over the run](${png})`);
  return lines;
}

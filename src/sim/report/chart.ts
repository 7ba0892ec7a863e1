import { createRaster, hex, textWidth, type Raster, type Rgb } from './raster.ts';
import type { Timeline } from './timeline.ts';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const C = {
  bg: hex('#ffffff'),
  text: hex('#222222'),
  muted: hex('#666666'),
  grid: hex('#e4e4e4'),
  axis: hex('#444444'),
  total: hex('#333333'),
  errors: hex('#d62728'),
  p50: hex('#7f9fbf'),
  p99: hex('#6a1b9a'),
  fault: hex('#d62728'),
  detect: hex('#ef8a00'),
  placed: hex('#2e9d3a'),
  band: hex('#ff9d9d'),
};

export const CHART = { width: 1140, height: 660 } as const;
const L = 84; // left margin
const R = 870; // right edge of the plots; the legend is beyond
const A = { top: 112, height: 228 }; // throughput panel
const B = { top: 380, height: 210 }; // latency panel

/** 1, 2 or 5 × 10^k: a tick step giving about `target` ticks over `range`. */
export function niceStep(range: number, target = 5): number {
  const raw = Math.max(range, 1e-9) / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
}

const fmt = (n: number): string =>
  n >= 1000 ? `${n / 1000}k` : n >= 1 ? String(Math.round(n * 10) / 10) : String(n);

/**
 * Draws the run: calls per second by serving cloud (and errors) above, p50/p99 latency on a log
 * scale below, the faults as dashed red lines with their names, detection (orange), re-placement
 * (green) and the time until recovery (shaded), with axes and a legend.
 */
export function renderChart(timeline: Timeline, title: string): Raster {
  const r = createRaster(CHART.width, CHART.height, C.bg);
  const secs = timeline.seconds.map((s) => ({ ...s, x: (s.at - timeline.t0) / 1000 }));
  const clouds = [
    ...new Set([
      ...Object.keys(timeline.start?.desired ?? {}),
      ...secs.flatMap((s) => Object.keys(s.servedBy)),
    ]),
  ];
  const colour = (i: number): Rgb => hex(PALETTE[i % PALETTE.length] ?? '#000000');
  const xEnd = Math.max(10, ...secs.map((s) => s.x), ...timeline.incidents.map((i) => i.atS + 1));
  const xStep = niceStep(xEnd, 10);
  const xMax = Math.max(xStep, Math.ceil(xEnd / xStep - 0.05) * xStep); // 100.4 s ends at 100
  const px = (x: number): number => L + ((R - L) * x) / xMax;

  r.text(L, 12, title, C.text, 2);
  const totals = timeline.totals;
  r.text(
    L,
    36,
    `${totals.ok.toLocaleString('en')} calls ok, ${totals.errors.toLocaleString('en')} failed, over ${totals.seconds} s`,
    C.muted,
    2,
  );

  // Throughput panel.
  const totalOf = (s: { servedBy: Record<string, number> }): number =>
    Object.values(s.servedBy).reduce((a, b) => a + b, 0);
  const yTop = Math.max(10, ...secs.map((s) => Math.max(totalOf(s), s.errors)));
  const yStep = niceStep(yTop, 5);
  const yMax = Math.ceil(yTop / yStep) * yStep;
  const pyA = (v: number): number => A.top + A.height - (A.height * v) / yMax;
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    r.line(L, pyA(v), R, pyA(v), C.grid);
    const label = fmt(v);
    r.text(L - 8 - textWidth(label, 2), pyA(v) - 7, label, C.axis, 2);
  }
  r.textUp(14, A.top + A.height / 2 + textWidth('calls/s', 2) / 2, 'calls/s', C.axis, 2);

  // Latency panel (log scale).
  const lat = secs.flatMap((s) => [s.p50Ms, s.p99Ms]).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.max(0.1, Math.min(1, ...lat))));
  const hi = Math.max(lo + 2, Math.ceil(Math.log10(Math.max(10, ...lat))));
  const pyB = (v: number): number =>
    B.top + B.height - (B.height * (Math.log10(Math.max(v, 10 ** lo)) - lo)) / (hi - lo);
  for (let d = lo; d <= hi; d++) {
    r.line(L, pyB(10 ** d), R, pyB(10 ** d), C.grid);
    const label = fmt(10 ** d);
    r.text(L - 8 - textWidth(label, 2), pyB(10 ** d) - 7, label, C.axis, 2);
  }
  r.textUp(14, B.top + B.height / 2 + textWidth('latency ms', 2) / 2, 'latency ms', C.axis, 2);

  // Faults: the shaded time to recovery first, so that lines draw over it.
  for (const inc of timeline.incidents) {
    const end = inc.recovery ? inc.atS + inc.recovery.afterMs / 1000 : undefined;
    if (end !== undefined && end > inc.atS) {
      for (const p of [A, B])
        r.shade(px(inc.atS), p.top, px(end) - px(inc.atS), p.height, C.band, 0.25);
    }
  }

  // X grid and labels (both panels).
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    for (const p of [A, B]) r.line(px(x), p.top, px(x), p.top + p.height, C.grid, 1, [2, 3]);
    const label = fmt(x);
    r.text(px(x) - textWidth(label, 2) / 2, B.top + B.height + 8, label, C.axis, 2);
  }
  const xTitle = 'seconds since the load started';
  r.text((L + R) / 2 - textWidth(xTitle, 2) / 2, B.top + B.height + 32, xTitle, C.axis, 2);

  // Series.
  const series = (
    pts: { x: number; y: number | undefined }[],
    py: (v: number) => number,
    c: Rgb,
    w: number,
  ): void => {
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1];
      const b = pts[i];
      if (!a || !b || a.y === undefined || b.y === undefined) continue;
      r.line(px(a.x), py(a.y), px(b.x), py(b.y), c, w);
    }
  };
  // Calls served, stacked by cloud: each band's height is that cloud's share, the top the total.
  const stacks = secs.map((s) => {
    let acc = 0;
    return clouds.map((c) => (acc += s.servedBy[c] ?? 0));
  });
  for (let i = 1; i < secs.length; i++) {
    const a = secs[i - 1];
    const b = secs[i];
    if (!a || !b) continue;
    for (let X = Math.round(px(a.x)); X < Math.round(px(b.x)); X++) {
      const f = (X - px(a.x)) / (px(b.x) - px(a.x));
      let below = 0;
      clouds.forEach((_, k) => {
        const v = (stacks[i - 1]?.[k] ?? 0) * (1 - f) + (stacks[i]?.[k] ?? 0) * f;
        r.shade(X, pyA(v), 1, pyA(below) - pyA(v), colour(k), 0.45);
        below = v;
      });
    }
  }
  clouds.forEach((_, k) =>
    series(
      secs.map((s, i) => ({ x: s.x, y: stacks[i]?.[k] ?? 0 })),
      pyA,
      colour(k),
      2,
    ),
  );
  series(
    secs.map((s) => ({ x: s.x, y: totalOf(s) })),
    pyA,
    C.total,
    2,
  );
  for (const s of secs) {
    if (s.errors === 0) continue;
    const h = Math.max(4, pyA(0) - pyA(s.errors)); // a few errors stay visible on a large scale
    r.rect(px(s.x) - 3, pyA(0) - h, 6, h, C.errors);
    const label = String(s.errors);
    r.text(px(s.x) - textWidth(label, 2) / 2, pyA(0) - h - 18, label, C.errors, 2);
  }
  const positive = (v: number): number | undefined => (v > 0 ? v : undefined);
  series(
    secs.map((s) => ({ x: s.x, y: positive(s.p50Ms) })),
    pyB,
    C.p50,
    2,
  );
  series(
    secs.map((s) => ({ x: s.x, y: positive(s.p99Ms) })),
    pyB,
    C.p99,
    3,
  );

  // Fault markers over everything, with their names above the throughput panel.
  const rightOf = [-Infinity, -Infinity]; // two rows of labels, so that close faults stay legible
  for (const inc of timeline.incidents) {
    const marks: [number | undefined, Rgb, [number, number]][] = [
      [inc.detection ? inc.atS + inc.detection.lastMs / 1000 : undefined, C.detect, [3, 3]],
      [inc.placement ? inc.atS + inc.placement.afterMs / 1000 : undefined, C.placed, [3, 3]],
      [inc.atS, C.fault, [8, 4]],
    ];
    for (const [x, c, dash] of marks) {
      if (x === undefined) continue;
      for (const p of [A, B]) r.line(px(x), p.top, px(x), p.top + p.height, c, 2, dash);
    }
    const label = [inc.fault.kind, ...inc.fault.targets].join(' ');
    const x = px(inc.atS) + 4;
    const row = x > (rightOf[0] ?? 0) + 8 ? 0 : 1;
    r.text(x, A.top - 22 - row * 22, label, C.fault, 2);
    rightOf[row] = x + textWidth(label, 2);
  }

  // Axes.
  for (const p of [A, B]) {
    r.line(L, p.top, L, p.top + p.height, C.axis, 2);
    r.line(L, p.top + p.height, R, p.top + p.height, C.axis, 2);
  }

  // Legend.
  const items: [string, Rgb, 'line' | 'box' | 'dash' | 'band'][] = [
    ...clouds.map((c, i): [string, Rgb, 'band'] => [`served by ${c}`, colour(i), 'band']),
    ['total calls/s', C.total, 'line'],
    ['errors/s', C.errors, 'box'],
    ['p50', C.p50, 'line'],
    ['p99', C.p99, 'line'],
    ['fault', C.fault, 'dash'],
    ['host_lost/back', C.detect, 'dash'],
    ['re-placed', C.placed, 'dash'],
    ['until recovered', C.band, 'band'],
  ];
  items.forEach(([name, c, kind], i) => {
    const y = A.top + 4 + i * 24;
    const x = R + 24;
    if (kind === 'box') r.rect(x, y + 2, 22, 12, c);
    else if (kind === 'band') r.shade(x, y, 22, 16, c, 0.45);
    else r.line(x, y + 8, x + 22, y + 8, c, 3, kind === 'dash' ? [5, 3] : undefined);
    r.text(x + 30, y + 1, name, C.text, 2);
  });
  return r;
}

import { esc } from './html.ts';

const KNOWN: Record<string, string> = { aws: '#f97316', gcp: '#2563eb', azure: '#0d9488' };
const PALETTE = ['#9333ea', '#db2777', '#65a30d', '#0891b2', '#ca8a04', '#4f46e5', '#dc2626'];

/** A stable colour per cloud: the well-known ones by name, others by their place in the list. */
export function cloudColor(name: string, index: number): string {
  return KNOWN[name] ?? PALETTE[index % PALETTE.length] ?? '#64748b';
}

/** A round axis maximum at or above `max` (1, 2, 2.5, 5 × 10^n). */
export function niceMax(max: number): number {
  if (max <= 0) return 10;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

const W = 1100;
const H = 210;
const PAD = { left: 44, right: 10, top: 10, bottom: 22 };

/**
 * Requests/s per serving cloud over time as stacked areas (SVG), newest on the right. A cloud that
 * fails shows as its band thinning to nothing while the others grow.
 */
export function renderChart(
  series: { t: number; rps: Record<string, number> }[],
  clouds: string[],
  slots: number,
): string {
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const totals = series.map((s) => clouds.reduce((n, c) => n + (s.rps[c] ?? 0), 0));
  const top = niceMax(Math.max(0, ...totals));
  const x = (i: number): number =>
    PAD.left + innerW * ((slots - series.length + i) / Math.max(1, slots - 1));
  const y = (v: number): number => PAD.top + innerH * (1 - v / top);
  const grid = [0, 0.5, 1]
    .map((f) => {
      const yy = y(top * f).toFixed(1);
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" class="grid"/><text x="${PAD.left - 6}" y="${yy}" class="ylab" dy="4">${fmtAxis(top * f)}</text>`;
    })
    .join('');
  const xlabels = [0, 0.5, 1]
    .map((f) => {
      const secs = Math.round((1 - f) * (slots - 1));
      const xx = (PAD.left + innerW * f).toFixed(1);
      return `<text x="${xx}" y="${H - 6}" class="xlab" text-anchor="${f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}">${secs === 0 ? 'now' : `−${secs}s`}</text>`;
    })
    .join('');
  let bands = '';
  if (series.length >= 2) {
    const base = series.map(() => 0);
    clouds.forEach((cloud, ci) => {
      const lower = [...base];
      const upper = series.map((s, i) => (base[i] = (base[i] ?? 0) + (s.rps[cloud] ?? 0)));
      const pts = upper.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
      const back = lower
        .map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`)
        .reverse()
        .join(' ');
      const color = cloudColor(cloud, ci);
      bands += `<polygon points="${pts.join(' ')} ${back}" fill="${color}" fill-opacity="0.22"/>`;
      bands += `<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`;
    });
  } else {
    bands = `<text x="${W / 2}" y="${H / 2}" class="empty" text-anchor="middle">collecting…</text>`;
  }
  return `<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-label="requests per second by serving cloud">${grid}${xlabels}${bands}</svg>`;
}

/** The chart's legend: one swatch per cloud with its current requests/s. */
export function renderLegend(clouds: { name: string; rps: number }[]): string {
  return clouds
    .map(
      (c, i) =>
        `<span class="legend-item"><i style="background:${cloudColor(c.name, i)}"></i>${esc(c.name)} <b>${fmtRate(c.rps)}</b>/s</span>`,
    )
    .join('');
}

function fmtAxis(v: number): string {
  return v >= 1000
    ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k`
    : String(Math.round(v * 10) / 10);
}

/** Requests/s for people: integers above 10, one decimal below. */
export function fmtRate(v: number): string {
  if (v >= 10) return String(Math.round(v));
  if (v === 0) return '0';
  return v.toFixed(1);
}

/** Milliseconds for people, without the unit: `—` when unknown. */
export function fmtNum(v: number | undefined): string {
  if (v === undefined) return '—';
  if (v >= 100) return String(Math.round(v));
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Milliseconds for people: `—` when unknown. */
export function fmtMs(v: number | undefined): string {
  return v === undefined ? '—' : `${fmtNum(v)} ms`;
}

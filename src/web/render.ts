import { fmtNum, fmtRate, renderChart, renderLegend } from './chart.ts';
import { esc, slug } from './html.ts';
import { SERIES_LENGTH } from './model.ts';
import { cloudIds, renderCloudBody, renderCloudHead, renderClouds } from './render-clouds.ts';
import type { DashboardView } from './view.ts';

/**
 * The page in parts: each fragment is the inner HTML of the element with that id. The live script
 * replaces only fragments whose HTML changed; `layout` names the set of clouds, and when it
 * changes the whole grid (`f-clouds`) is replaced instead of the clouds' parts.
 */
export interface Fragments {
  layout: string;
  fragments: Record<string, string>;
}

export function renderFragments(view: DashboardView): Fragments {
  const fragments: Record<string, string> = {
    'f-summary': renderSummary(view),
    'f-chart': renderChart(
      view.series,
      view.clouds.map((c) => c.name),
      // The window grows with the history (at least 30 s), so a fresh page is not mostly empty.
      Math.min(SERIES_LENGTH, Math.max(30, view.series.length)),
    ),
    'f-legend': renderLegend(view.clouds),
    'f-apps': renderApps(view),
    'f-links': renderLinks(view),
    'f-events': renderEvents(view),
  };
  for (const c of view.clouds) {
    const ids = cloudIds(c.name);
    fragments[ids.head] = renderCloudHead(c, view);
    fragments[ids.body] = renderCloudBody(c);
  }
  return { layout: view.clouds.map((c) => slug(c.name)).join(' '), fragments };
}

function renderSummary(view: DashboardView): string {
  const t = view.totals;
  const tile = (label: string, value: string, extra = '', figure = ''): string =>
    `<div class="tile${extra}"><span class="tile-num"${figure ? ` data-figure="${figure}"` : ''}>${value}</span><span class="tile-label">${label}</span></div>`;
  return [
    tile('clouds', String(t.clouds)),
    tile(
      t.lost > 0 ? `hosts · <b class="bad">${t.lost} lost</b>` : 'hosts',
      String(t.hosts),
      '',
      'hosts',
    ),
    tile('instances', String(t.instances), '', 'instances'),
    tile('requests/s', fmtRate(t.rps), ' accent', 'rps'),
    tile('errors/s', fmtRate(t.errps), t.errps > 0 ? ' alarm' : '', 'errps'),
    tile('latency p50 · p99', `${fmtNum(t.p50)}<small> · ${fmtNum(t.p99)} ms</small>`),
  ].join('');
}

const STATE_TONE: Record<string, string> = {
  Deployed: 'good',
  Reconciling: 'warn',
  Waiting: 'warn',
  Unhealthy: 'bad',
  Failed: 'bad',
  Undeployed: 'info',
};

function renderApps(view: DashboardView): string {
  if (view.apps.length === 0) {
    return '<p class="muted">No applications deployed (<code>aloft app deploy app.yaml</code>).</p>';
  }
  return `<ul class="apps">${view.apps
    .map(
      (a) => `<li data-app="${esc(a.app)}" data-state="${esc(a.state)}">
<div class="app-line"><b>${esc(a.app)}</b><span class="muted">v ${esc(a.version)}</span><span class="badge tone-${STATE_TONE[a.state] ?? 'info'}">${esc(a.state)}</span></div>
<div class="muted reason">${esc(a.reason)}</div>
${a.scalers
  .map(
    (s) =>
      `<div class="scaler"><span>${esc(s.component)}</span><span class="bar"><i style="width:${s.target > 0 ? Math.min(100, (s.running / s.target) * 100).toFixed(0) : 0}%"></i></span><span class="muted">${s.running}/${s.target}</span></div>`,
  )
  .join('')}</li>`,
    )
    .join('')}</ul>`;
}

function renderLinks(view: DashboardView): string {
  if (view.links.length === 0) return '<p class="muted">No links.</p>';
  return `<ul class="links">${view.links
    .map(
      (l) =>
        `<li><span class="chip comp">${esc(l.source)}</span><span class="arrow">→</span><span class="chip prov">${esc(l.target)}</span><span class="muted">${esc(l.iface)}${l.name !== 'default' ? ` · ${esc(l.name)}` : ''}</span></li>`,
    )
    .join('')}</ul>`;
}

function renderEvents(view: DashboardView): string {
  if (view.events.length === 0) return '<p class="muted">Waiting for events…</p>';
  return `<ol class="events">${view.events
    .map(
      (e) =>
        `<li class="ev tone-${e.tone}" data-type="${esc(e.type)}"><time datetime="${esc(e.time)}">${esc(e.time.slice(11, 23))}</time><span class="ev-type">${esc(e.type.replace(/_/g, ' '))}</span><span class="ev-who">${esc(e.who)}</span><span class="ev-detail">${esc(e.detail)}</span></li>`,
    )
    .join('')}</ol>`;
}

/** The whole page, rendered on the server: readable as it is, kept live by `/assets/app.js`. */
export function renderPage(view: DashboardView): string {
  const f = renderFragments(view);
  const frag = (id: string): string => f.fragments[id] ?? '';
  const mode = view.sim ? 'simulation' : 'lattice';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aloft · ${esc(view.lattice)}</title>
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/app.js" defer></script>
</head>
<body data-mode="${mode}">
<header class="top">
  <div class="brand"><span class="logo">◭</span> Aloft</div>
  <div class="crumbs">lattice <b>${esc(view.lattice)}</b>${view.sim ? '<span class="pill sim">simulation</span>' : ''}</div>
  <div class="spacer"></div>
  ${view.sim ? '<button type="button" class="act act-heal" data-action="heal">heal all</button>' : ''}
  <div class="live" id="live" data-state="static"><span class="dot"></span><span class="live-text">static</span></div>
</header>
<main>
  <section class="summary" id="f-summary">${frag('f-summary')}</section>
  <section class="card chart-card">
    <div class="card-title"><h3>Requests/s by serving cloud</h3><div class="legend" id="f-legend">${frag('f-legend')}</div></div>
    <div id="f-chart">${frag('f-chart')}</div>
  </section>
  <div class="clouds" id="f-clouds" data-layout="${esc(f.layout)}">${renderClouds(view)}</div>
  <div class="lower">
    <section class="card"><div class="card-title"><h3>Applications</h3></div><div id="f-apps">${frag('f-apps')}</div>
      <div class="card-title sub"><h3>Links</h3></div><div id="f-links">${frag('f-links')}</div></section>
    <section class="card"><div class="card-title"><h3>Events</h3><span class="muted">aloft.${esc(view.lattice)}.evt.&gt; · times in UTC</span></div><div id="f-events" class="events-box">${frag('f-events')}</div></section>
  </div>
</main>
<div id="toasts" aria-live="polite"></div>
</body>
</html>
`;
}

export { renderClouds };

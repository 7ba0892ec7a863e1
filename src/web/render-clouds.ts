import { cloudColor, fmtMs, fmtRate } from './chart.ts';
import { esc, slug } from './html.ts';
import type { CloudView, DashboardView, HostView } from './view.ts';

const CONDITION_TEXT: Record<string, string> = {
  up: 'up',
  killed: 'outage',
  hung: 'hung',
  partitioned: 'partitioned',
};

/** The fragment ids of one cloud's card: its head (rarely changes) and its body (live figures). */
export const cloudIds = (name: string): { card: string; head: string; body: string } => ({
  card: `cloud-${slug(name)}`,
  head: `f-head-${slug(name)}`,
  body: `f-body-${slug(name)}`,
});

/** A cloud card's head: name, region, condition and, in simulation mode, the fault buttons. */
export function renderCloudHead(c: CloudView, view: DashboardView): string {
  const lost = c.hosts.filter((h) => h.status === 'lost').length;
  const state =
    c.condition && c.condition !== 'up'
      ? c.condition
      : c.hosts.length > 0 && lost === c.hosts.length
        ? 'lost'
        : 'up';
  const badge = `<span class="badge cond-${esc(state)}" data-condition="${esc(state)}">${esc(CONDITION_TEXT[state] ?? state)}</span>`;
  const buttons = view.sim
    ? `<div class="actions">${(['kill', 'hang', 'partition', 'restore'] as const)
        .map((a) => {
          const available = view.sim?.actions[a] ?? false;
          return `<button type="button" class="act act-${a}${available ? '' : ' unavailable'}" data-action="${a}" data-cloud="${esc(c.name)}"${available ? '' : ' title="not available in this build"'}>${a}</button>`;
        })
        .join('')}</div>`
    : '';
  return `<div class="cloud-title"><h2>${esc(c.name)}</h2>${c.region ? `<span class="region">${esc(c.region)}</span>` : ''}${badge}</div>${buttons}`;
}

/** A cloud card's body: its figures and hosts. */
export function renderCloudBody(c: CloudView): string {
  const figures = `<div class="figures">
<div><span class="num" data-figure="rps">${fmtRate(c.rps)}</span><span class="unit">req/s</span></div>
<div><span class="num${c.errps > 0 ? ' bad' : ''}" data-figure="errps">${fmtRate(c.errps)}</span><span class="unit">errors/s</span></div>
<div><span class="num small">${fmtMs(c.p50)}</span><span class="unit">p50</span></div>
<div><span class="num small">${fmtMs(c.p99)}</span><span class="unit">p99</span></div>
</div>`;
  const hosts =
    c.hosts.length === 0
      ? '<p class="muted none">no hosts</p>'
      : `<ul class="hosts">${c.hosts.map(renderHost).join('')}</ul>`;
  return `${figures}<div class="hosts-title"><span>hosts</span><span class="muted">${c.instances} instance${c.instances === 1 ? '' : 's'}</span></div>${hosts}`;
}

function renderHost(h: HostView): string {
  const gone = h.status === 'lost' || h.status === 'stopped';
  const pct = h.load.capacity > 0 ? Math.min(100, (h.load.inFlight / h.load.capacity) * 100) : 0;
  const comps = h.components
    .map(
      (c) =>
        `<span class="chip comp" data-component="${esc(c.name)}" data-count="${c.count}">${esc(c.name)} <b>×${c.count}</b>${c.rps !== undefined ? `<small>${fmtRate(c.rps)}/s</small>` : ''}</span>`,
    )
    .join('');
  const provs = h.providers
    .map((p) => `<span class="chip prov" data-provider="${esc(p)}">⚙ ${esc(p)}</span>`)
    .join('');
  const labels = h.labels
    .map(([k, v]) => `<span class="label">${esc(k)}=${esc(v)}</span>`)
    .join('');
  const body = gone
    ? `<div class="gone-reason">${esc(h.reason ?? h.status)}</div>`
    : `<div class="load" title="load: ${h.load.inFlight} in flight of ${h.load.capacity} instances"><div style="width:${pct.toFixed(0)}%"></div></div>
<div class="chips">${comps || '<span class="muted">no instances</span>'}${provs}</div>`;
  return `<li class="host status-${h.status}" data-host="${esc(h.name)}" data-host-id="${esc(h.id)}" data-status="${h.status}">
<div class="host-line"><span class="dot"></span><span class="host-name">${esc(h.name)}</span><span class="host-id" title="${esc(h.id)}">${esc(h.id.slice(0, 8))}</span><span class="badge st-${h.status}">${h.status}</span>${h.rps !== undefined ? `<span class="host-rps">${fmtRate(h.rps)}/s</span>` : ''}</div>
${labels ? `<div class="labels">${labels}</div>` : ''}${body}</li>`;
}

/** The whole clouds grid (sent when the set of clouds changes). */
export function renderClouds(view: DashboardView): string {
  if (view.clouds.length === 0) {
    return '<p class="muted empty-state">No hosts yet. Start one with <code>aloft host</code>; it appears here within a second.</p>';
  }
  return view.clouds
    .map((c, i) => {
      const ids = cloudIds(c.name);
      return `<section class="cloud" id="${ids.card}" data-cloud="${esc(c.name)}" style="--cloud:${cloudColor(c.name, i)}">
<header id="${ids.head}">${renderCloudHead(c, view)}</header>
<div id="${ids.body}">${renderCloudBody(c)}</div>
</section>`;
    })
    .join('');
}

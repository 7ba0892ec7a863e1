import type { JoinConfigInput } from '../config.ts';

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** JSON that is safe inside a `<script>` element (no `</script>`, no HTML comment openers). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The `/join` page: a status view the tab's script fills in (`page/view.ts` finds its elements by
 * id), the tab's configuration as inert JSON, and the script, addressed by content hash.
 */
export function renderJoinPage(config: JoinConfigInput, scriptUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Aloft · browser host · ${escapeHtml(config.lattice)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 56rem; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  #state { display: inline-block; padding: .15rem .6rem; border-radius: 1rem; background: #e8ebf2; font-weight: 600; }
  #state[data-state="running"] { background: #d7f5dd; color: #135c25; }
  #state[data-state="error"] { background: #fde0dd; color: #8a1c12; }
  #state[data-state="stopped"], #state[data-state="leaving"] { background: #fff1c7; color: #6b4e00; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dt { color: #5b6478; } dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
  ul.labels { list-style: none; padding: 0; margin: 0; display: flex; gap: .4rem; flex-wrap: wrap; }
  ul.labels li { background: #eef1f7; border-radius: .3rem; padding: 0 .4rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e6ee; }
  #problems li { color: #8a1c12; } #log { font: 12px ui-monospace, monospace; color: #5b6478; list-style: none; padding: 0; }
</style>
</head>
<body>
<h1>This tab is an Aloft host</h1>
<p><span id="state" data-state="starting">loading…</span>
  <button id="leave" type="button" disabled>Leave the lattice</button></p>
<ul id="problems"></ul>
<dl>
  <dt>lattice</dt><dd id="lattice">${escapeHtml(config.lattice)}</dd>
  <dt>host id</dt><dd id="host-id">–</dd>
  <dt>name</dt><dd id="host-name">–</dd>
  <dt>labels</dt><dd><ul class="labels" id="labels"></ul></dd>
</dl>
<h2>Components placed here</h2>
<table><thead><tr><th>component</th><th>instances</th><th>calls ok</th><th>failed</th><th>sha256</th></tr></thead>
<tbody id="components"><tr><td colspan="5">none yet</td></tr></tbody></table>
<p>Add labels in the address (<code>/join?cloud=aws&amp;zone=b</code>); manifests place work here with
requirements such as <code>runtime: browser</code>. Closing this tab is a host loss: the lattice
moves its work elsewhere within seconds.</p>
<h2>Log</h2>
<ol id="log"></ol>
<script type="application/json" id="aloft-join">${scriptJson(config)}</script>
<script type="module" src="${escapeHtml(scriptUrl)}"></script>
</body>
</html>
`;
}

/** The page shown when the server knows no NATS WebSocket URL to give the tab. */
export function renderNoWebSocketPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Aloft · browser host</title></head>
<body style="font: 14px/1.45 system-ui, sans-serif; margin: 2rem">
<h1>This lattice has no WebSocket listener known to this server</h1>
<p>A browser tab reaches NATS over WebSocket. Start the dashboard with
<code>--ws-url ws://127.0.0.1:PORT</code> (the NATS server's <code>websocket</code> listener);
<code>aloft up</code> and <code>aloft sim up</code> configure one and pass it on.</p>
</body></html>
`;
}

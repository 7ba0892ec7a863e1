// Entry of the `/join` page's script (`/join/host.js`): checks the tab can be a host, reads the
// config the server wrote into the page and the labels from the address, joins the lattice and
// keeps the status view current. Closing the tab is a host loss like any other.
import type { Host } from '../../host/index.ts';
import { errorMessage, isAloftError } from '../../support/index.ts';
import { JoinConfig, labelsFromQuery } from '../config.ts';
import { page } from './globals.ts';
import { startTabHost } from './tab-host.ts';
import { pageLogger, pageView, type CallCounts } from './view.ts';

const g = page();
const view = pageView(g.document);
const logger = pageLogger(view);

/** Why this tab cannot be a host, if it cannot: each reason with what to do about it. */
function unmetRequirements(): string[] {
  const problems: string[] = [];
  if (!g.isSecureContext) {
    problems.push(
      'this page is not a secure context, so WebCrypto (digest checks) is unavailable: open it over https, or from localhost / 127.0.0.1',
    );
  }
  if (!g.crossOriginIsolated) {
    problems.push(
      'this page is not cross-origin isolated, so SharedArrayBuffer (synchronous capability calls) is unavailable: it must be served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, as the Aloft dashboard serves /join',
    );
  }
  return problems;
}

function readConfig(): JoinConfig {
  const text = g.document.getElementById('aloft-join')?.textContent ?? '';
  const parsed = JoinConfig.safeParse(JSON.parse(text || '{}'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `the page's configuration is invalid: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const problems = unmetRequirements();
  const labels = labelsFromQuery(g.location.search);
  if (!labels.ok) problems.push(...labels.problems);
  if (problems.length > 0 || !labels.ok) {
    view.problems(problems);
    view.state('error', 'this tab cannot join');
    return;
  }
  const config = readConfig();
  view.state('starting', `joining lattice ${config.lattice}…`);
  const calls: CallCounts = new Map();
  let lost: string | undefined;
  const host: Host = await startTabHost({
    config,
    labels: labels.labels,
    logger,
    Worker: g.Worker,
    fetch: (url) => globalThis.fetch(url),
    postJson: (url, body) =>
      globalThis.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    onCredentialsLost: (reason) => {
      lost = reason;
      view.leaveEnabled(false);
      view.problems([reason]);
      view.state('leaving', 'credentials not renewed: leaving the lattice…');
    },
    onCall: (call) => {
      const n = calls.get(call.component) ?? { ok: 0, err: 0 };
      if (call.outcome === 'ok') n.ok++;
      else if (call.outcome === 'error') n.err++;
      calls.set(call.component, n);
    },
  });
  view.identity(host.id, host.name, host.lattice, host.labels());
  view.state('running', `a host of lattice ${host.lattice}`);
  view.leaveEnabled(true);
  const refresh = (): void => view.components(host.inventory(), calls);
  refresh();
  const timer = setInterval(refresh, 500);
  view.onLeave(() => {
    view.leaveEnabled(false);
    view.state('leaving', 'leaving: finishing calls in flight…');
    void host.stop(5000);
  });
  await host.closed();
  clearInterval(timer);
  refresh();
  if (lost !== undefined) view.state('error', 'stopped serving: its credentials were not renewed');
  else view.state('stopped', 'left the lattice (reload to join again)');
}

main().catch((err: unknown) => {
  const hint = isAloftError(err) && err.hint ? ` (${err.hint})` : '';
  view.problems([`${errorMessage(err)}${hint}`]);
  view.state('error', 'this tab could not join');
  logger.error('join failed', { error: err });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserServer, Page } from 'playwright-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { JoinConfig } from '../../src/browser/index.ts';
import {
  CALL_HEADERS,
  connectLattice,
  inboxPrefixFor,
  parseCredentials,
  subjectsFor,
  type HostSummary,
} from '../../src/lattice/index.ts';
import { freePort } from '../../src/nats/index.ts';
import { aloft } from '../support/cli.ts';
import { launchChromium } from '../support/chromium.ts';
import { recordEvents, writeComponent } from '../support/lattice.ts';
import { tryFromPage, type PageTryResult } from '../support/page-nats.ts';
import { example } from '../support/samples.ts';
import { tempDir } from '../support/tmp.ts';

const LATTICE = 'default';
const s = subjectsFor(LATTICE);
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'browser');

/** What nats-server's /connz says about one client connection (with `auth=true`). */
interface ConnInfo {
  name?: string;
  type?: string;
  authorized_user?: string;
  account?: string;
  tags?: string[];
}

/**
 * A browser tab as a host on a lattice with NATS accounts, as `aloft up` runs it by default: the
 * dashboard's /join hands the tab the browser role's credentials; the tab serves calls with them
 * and nothing more. Real parts throughout: nats-server in operator mode with its WebSocket
 * listener, the Node host, reconciler and dashboard that `aloft up` starts on their own roles,
 * chromium, the CLI on the admin's credentials, an AssemblyScript component.
 */
describe('browser-tab host under NATS accounts', { timeout: 300_000 }, () => {
  const dir = tempDir('aloft-join-accounts-');
  const env = { ALOFT_HOME: dir.path };
  const cli = (...args: string[]) => aloft(args, env);
  const natsLog = join(dir.path, 'nats', 'aloft-local.log');
  let dashboard = '';
  let monitor = '';
  let nodeId = '';
  let server: BrowserServer;
  let browser: Browser;
  let page: Page;
  let nc: NatsConnection;
  let events: ReturnType<typeof recordEvents>;
  let tabId = '';
  let httpPort = 0;
  let echoRef = '';
  /** The credentials the page was given, as the server sees them. */
  let browserUser = '';
  const violations = (): string[] =>
    readFileSync(natsLog, 'utf8')
      .split('\n')
      .filter((l) => /Violation/.test(l));

  before(async () => {
    const up = await cli('up', '--port', String(await freePort()), '--dashboard-port', '0');
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /accounts:\s+credentials per role/);
    dashboard = /dashboard:\s+(http:\S+)/.exec(up.stdout)?.[1] ?? '';
    monitor = /monitor:\s+(http:\S+)/.exec(up.stdout)?.[1] ?? '';
    const natsUrl = /NATS:\s+(\S+)/.exec(up.stdout)?.[1] ?? '';
    assert.ok(dashboard && monitor && natsUrl, up.stdout);
    nc = await connectLattice({
      servers: [natsUrl],
      credsFile: join(dir.path, 'nats', 'auth', 'creds', LATTICE, 'admin.creds'),
    });
    events = recordEvents(nc, LATTICE, [
      'host_lost',
      'host_started',
      'component_started',
      'link_put',
    ]);
    const hosts = JSON.parse((await cli('get', 'hosts', '--json')).stdout) as HostSummary[];
    nodeId = hosts.find((h) => h.name === 'local')?.hostId ?? '';
    assert.ok(nodeId, 'aloft up started its Node host');
    ({ server, browser } = await launchChromium('browser host under accounts'));
    page = await browser.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    events?.stop();
    await nc?.close();
    const down = await cli('down');
    assert.equal(down.code, 0, down.stderr);
    dir.remove();
  });

  it('the tab joins over WebSocket as the browser-role user and appears as a host', async () => {
    await page.goto(`${dashboard}join?cloud=aws`);
    await page.waitForSelector('#state[data-state="running"], #state[data-state="error"]', {
      timeout: 30_000,
    });
    const problems = await page.textContent('#problems');
    assert.equal(await page.getAttribute('#state', 'data-state'), 'running', problems ?? '');
    tabId = (await page.textContent('#host-id')) ?? '';
    assert.match(tabId, /^N[A-Z0-9]{55}$/);

    // What the dashboard handed the page: the browser role's credentials, its own inbox.
    const config = JoinConfig.parse(
      JSON.parse((await page.textContent('#aloft-join')) ?? '{}') as unknown,
    );
    assert.ok(config.credentials, 'the page carries credentials');
    const creds = parseCredentials(config.credentials, 'the page');
    assert.deepEqual([creds.role, creds.lattice], ['browser', LATTICE]);
    assert.equal(config.inboxPrefix, inboxPrefixFor(creds.user));
    browserUser = creds.user;

    // The server's view of the tab's connection: WebSocket, authenticated as that user.
    const connz = (await (await fetch(`${monitor}/connz?auth=true`)).json()) as {
      connections: ConnInfo[];
    };
    const tabName = (await page.textContent('#host-name')) ?? '';
    const conn = connz.connections.find((c) => c.name === `aloft-host ${tabName}`);
    assert.ok(conn, `no connection of ${tabName}: ${connz.connections.map((c) => c.name).join()}`);
    assert.equal(conn.type, 'websocket');
    assert.equal(conn.authorized_user, browserUser);

    const listed = await cli('get', 'hosts', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const tab = (JSON.parse(listed.stdout) as HostSummary[]).find((h) => h.hostId === tabId);
    assert.ok(tab, 'the tab is listed');
    assert.deepEqual(tab.labels, { runtime: 'browser', cloud: 'aws' });
  });

  it('a component placed on the tab answers aloft call and reaches key-value over the lattice; nothing it does is refused', async () => {
    // Signed with the development issuer `aloft up` made: its hosts, and the tabs its dashboard
    // serves (from the lattice policy), trust that and nothing else.
    const file = writeComponent(dir.path, 'echo', await example('echo-as'));
    const signed = await cli(
      'claims',
      'sign',
      file,
      '--issuer',
      join(dir.path, 'keys', 'dev-issuer.nk'),
    );
    assert.equal(signed.code, 0, signed.stderr);
    const pushed = await cli('push', file);
    assert.equal(pushed.code, 0, pushed.stderr);
    echoRef = pushed.stdout.trim();
    httpPort = await freePort();
    const manifest = join(dir.path, 'app.yaml');
    writeFileSync(
      manifest,
      readFileSync(join(fixtures, 'app.yaml'), 'utf8')
        .replaceAll('IMAGE', echoRef)
        .replaceAll('PORT', String(httpPort)),
    );
    const deployed = await cli('app', 'deploy', manifest);
    assert.equal(deployed.code, 0, deployed.stderr);
    await events.waitFor(
      'component_started',
      (d) => d.name === 'echo' && d.hostId === tabId,
      30_000,
    );
    await events.waitFor('component_started', (d) => d.name === 'greeter' && d.hostId === tabId);

    const called = await cli('call', 'echo', 'echo', '--data', 'through the accounts');
    assert.equal(called.code, 0, called.stderr);
    assert.equal(called.stdout, 'through the accounts\n');
    await page.waitForSelector('#components [data-component="echo"][data-ok="1"]', {
      timeout: 5000,
    });

    // HTTP on the Node host → echo in the tab → key-value on the Node host, over the lattice.
    const visits: string[] = [];
    for (const path of ['/one', '/two']) {
      const res = await fetch(`http://127.0.0.1:${httpPort}${path}`);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(await res.text(), path);
      visits.push(res.headers.get('x-visits') ?? '');
    }
    assert.deepEqual(visits, ['1', '2']);
    await page.waitForSelector('#components [data-component="echo"][data-ok="3"]', {
      timeout: 5000,
    });

    // Everything the tab did stayed inside its permissions: the server refused nothing, and the
    // tab logged no warning (a refused subject shows up as one or the other).
    assert.deepEqual(violations(), []);
    const tabLog = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#log li')].map((li) => li.textContent)`,
    );
    assert.deepEqual(
      tabLog.filter((l) => / (warn|error) /.test(l)),
      [],
      tabLog.join('\n'),
    );
  });

  it("code in the page, with the page's credentials, is refused on control subjects and other lattices", async () => {
    const loggedBefore = violations().length;
    const tries = await tryFromPage(page, [
      // Serving is what the credentials are for: a call to the tab's own echo is answered.
      {
        kind: 'request',
        subject: s.rpcOnHost('echo', tabId),
        headers: { [CALL_HEADERS.operation]: 'echo' },
        body: 'allowed',
      },
      {
        kind: 'request',
        subject: s.control('component.start', nodeId),
        body: JSON.stringify({ name: 'intruder', ref: echoRef, count: 1 }),
      },
      { kind: 'request', subject: s.control('host.stop', nodeId) },
      {
        kind: 'request',
        subject: s.control('link.put'),
        body: JSON.stringify({ source: 'echo', target: 'intruder', interface: 'keyvalue' }),
      },
      { kind: 'publish', subject: s.event('host_lost'), body: JSON.stringify({ hostId: nodeId }) },
      { kind: 'publish', subject: `$KV.aloft_${LATTICE}_state.link.echo` },
      // Listening for lattice-wide commands (they write lattice state) is not a tab's business.
      { kind: 'subscribe', subject: s.control('link.put') },
      // Another lattice: nothing, not even a subscription.
      { kind: 'subscribe', subject: 'aloft.other.>' },
      { kind: 'subscribe', subject: subjectsFor('other').rpcAny('echo') },
      { kind: 'request', subject: subjectsFor('other').control('component.start', nodeId) },
    ]);
    const [served, ...refused] = tries as [PageTryResult, ...PageTryResult[]];
    assert.deepEqual(
      { ok: served.ok, reply: served.reply },
      { ok: true, reply: 'allowed' },
      JSON.stringify(served),
    );
    for (const t of refused) {
      assert.equal(t.ok, false, `${t.kind} ${t.subject} was allowed`);
      assert.equal(t.error?.name, 'PermissionViolationError', JSON.stringify(t));
      assert.equal(t.error?.operation, t.kind === 'subscribe' ? 'subscription' : 'publish');
      assert.equal(t.error?.subject, t.subject);
      assert.match(t.error?.message ?? '', /Permissions Violation/);
    }
    console.log(
      `refused from the page: ${refused.map((t) => `${t.kind} ${t.subject}`).join('; ')}`,
    );
    // The server logged each refusal against the browser user; nothing reached the Node host.
    const logged = violations().slice(loggedBefore);
    assert.equal(logged.length, refused.length, logged.join('\n'));
    assert.ok(
      logged.every((l) => l.includes(browserUser)),
      logged.join('\n'),
    );
    const inventory = await cli('get', 'inventory', 'local', '--json');
    assert.equal(inventory.code, 0, inventory.stderr);
    assert.doesNotMatch(inventory.stdout, /intruder/);
    const hosts = JSON.parse((await cli('get', 'hosts', '--json')).stdout) as HostSummary[];
    assert.equal(
      hosts.find((h) => h.hostId === nodeId)?.cordoned,
      false,
      'the Node host still answers',
    );
    assert.ok(
      !events.seen.some(
        (e) =>
          (e.type === 'host_lost' && e.event.data.hostId === nodeId) ||
          JSON.stringify(e.event.data).includes('intruder'),
      ),
      JSON.stringify(events.seen.map((e) => [e.type, e.event.data])),
    );
    // The tab itself is untouched by its page's failed attempts: it still serves.
    const called = await cli('call', 'echo', 'echo', '--data', 'still serving');
    assert.equal(called.stdout, 'still serving\n', called.stderr);
  });

  it('closing the page is a host loss: host_lost, and the work is re-placed on the Node host', async () => {
    const closedAt = performance.now();
    await page.close();
    const lost = await events.waitFor('host_lost', (d) => d.hostId === tabId, 15_000);
    const moved = await events.waitFor(
      'component_started',
      (d) => d.name === 'echo' && d.hostId === nodeId,
      20_000,
    );
    const lostMs = lost.atMs - closedAt;
    const movedMs = moved.atMs - closedAt;
    console.log(
      `after closing the tab: host_lost at ${Math.round(lostMs)} ms, echo started on the Node host at ${Math.round(movedMs)} ms`,
    );
    const called = await cli('call', 'echo', 'echo', '--data', 'moved');
    assert.equal(called.code, 0, called.stderr);
    assert.equal(called.stdout, 'moved\n');
    const res = await fetch(`http://127.0.0.1:${httpPort}/three`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-visits'), '3');
    assert.ok(lostMs <= 3500, `host_lost ${Math.round(lostMs)} ms after the tab closed`);
    assert.ok(movedMs <= 10_000, `re-placed ${Math.round(movedMs)} ms after the tab closed`);
  });
});

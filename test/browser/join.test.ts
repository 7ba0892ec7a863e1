import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserServer, Page } from 'playwright-core';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { startJoinService, type JoinService } from '../../src/browser/index.ts';
import {
  CALL_HEADERS,
  LatticeError,
  connectLattice,
  request,
  requestJson,
  schemas,
  sha256Of,
  subjectsFor,
  type HostSummary,
} from '../../src/lattice/index.ts';
import { freePort, serverPorts, startNatsServer, type NatsServer } from '../../src/nats/index.ts';
import { startDashboard, type Dashboard } from '../../src/web/index.ts';
import { aloft } from '../support/cli.ts';
import { launchChromium } from '../support/chromium.ts';
import { spawnHost, type HostProcess } from '../support/hosts.ts';
import { recordEvents, writeComponent } from '../support/lattice.ts';
import { spawnReconciler } from '../support/reconciler.ts';
import { example } from '../support/samples.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_ISSUER } from '../support/signing.ts';

const LATTICE = 'tabs';
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'browser');

/**
 * A browser tab as a host (issue 10), end to end with real parts: nats-server with JetStream and
 * its WebSocket listener, a Node host and a reconciler as processes, the dashboard's server with
 * /join, chromium, the real CLI, and an AssemblyScript component built by the real toolchain.
 */
describe('browser-tab host', { timeout: 300_000 }, () => {
  const dir = tempDir('aloft-join-');
  let nats: NatsServer;
  let node: HostProcess;
  let reconciler: Awaited<ReturnType<typeof spawnReconciler>>;
  let joinService: JoinService;
  let dash: Dashboard;
  let server: BrowserServer;
  let browser: Browser;
  let page: Page;
  let nc: NatsConnection;
  let events: ReturnType<typeof recordEvents>;
  let tabId = '';
  let leftId = '';
  let httpPort = 0;
  const cli = (...args: string[]) =>
    aloft([...args, '--nats-url', nats.url, '--lattice', LATTICE], { ALOFT_HOME: dir.path });

  before(async () => {
    nats = await startNatsServer(
      {
        name: 'join',
        port: -1,
        httpPort: -1,
        jetstream: { storeDir: join(dir.path, 'js') },
        websocket: { port: -1 },
      },
      { dir: join(dir.path, 'nats') },
    );
    nc = await connectLattice({ servers: [nats.url] });
    events = recordEvents(nc, LATTICE, [
      'host_lost',
      'host_started',
      'host_stopped',
      'component_started',
    ]);
    node = await spawnHost({
      natsUrls: [nats.url],
      lattice: LATTICE,
      name: 'node-1',
      dataDir: dir.path,
    });
    reconciler = await spawnReconciler({ natsUrls: [nats.url], lattice: LATTICE, id: 'r1' });
    joinService = await startJoinService({
      lattice: LATTICE,
      connection: { servers: [nats.url] },
      // As `aloft dashboard` finds a listener: from the server's ports file.
      websocketUrls: [`ws://127.0.0.1:${serverPorts(join(dir.path, 'nats'), nats.pid)?.websocket}`],
      // Tabs, like the Node host, run what the test issuer signed and nothing else.
      trustedIssuers: [TEST_ISSUER.publicKey],
    });
    dash = await startDashboard({
      lattice: LATTICE,
      connection: { servers: [nats.url] },
      port: 0,
      routes: joinService.routes,
    });
    ({ server, browser } = await launchChromium('browser host test'));
    page = await browser.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    await dash?.stop();
    await joinService?.stop();
    events?.stop();
    await nc?.close();
    await reconciler?.stop();
    await node?.stop();
    await nats?.stop();
    dir.remove();
  });

  it('a tab opened at /join joins the lattice as a host with its labels', async () => {
    const opened = performance.now();
    const res = await page.goto(`${dash.url}join?cloud=aws&zone=tab-1`);
    assert.equal(res?.headers()['cross-origin-opener-policy'], 'same-origin');
    assert.equal(res?.headers()['cross-origin-embedder-policy'], 'require-corp');
    await page.waitForSelector('#state[data-state="running"], #state[data-state="error"]', {
      timeout: 30_000,
    });
    const problems = await page.textContent('#problems');
    assert.equal(await page.getAttribute('#state', 'data-state'), 'running', problems ?? '');
    assert.equal(await page.evaluate('crossOriginIsolated'), true);
    tabId = (await page.textContent('#host-id')) ?? '';
    assert.match(tabId, /^N[A-Z0-9]{55}$/);
    console.log(
      `the tab was a running host ${Math.round(performance.now() - opened)} ms after opening /join`,
    );

    const listed = await cli('get', 'hosts', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const hosts = JSON.parse(listed.stdout) as HostSummary[];
    const tab = hosts.find((h) => h.hostId === tabId);
    assert.ok(tab, `the tab is not among ${hosts.map((h) => h.name).join(', ')}`);
    assert.deepEqual(tab.labels, { runtime: 'browser', cloud: 'aws', zone: 'tab-1' });
    assert.equal(hosts.find((h) => h.hostId === node.id)?.labels.runtime, 'node');
  });

  it('a manifest places a component on the tab; it answers aloft call and reaches key-value over the lattice', async () => {
    const wasm = writeComponent(dir.path, 'echo', await example('echo-as'));
    const pushed = await cli('push', wasm);
    assert.equal(pushed.code, 0, pushed.stderr);
    const ref = pushed.stdout.trim();
    assert.match(ref, /^sha256:[0-9a-f]{64}$/);
    httpPort = await freePort();
    const manifest = join(dir.path, 'app.yaml');
    writeFileSync(
      manifest,
      readFileSync(join(fixtures, 'app.yaml'), 'utf8')
        .replaceAll('IMAGE', ref)
        .replaceAll('PORT', String(httpPort)),
    );
    const deployedAt = performance.now();
    const deployed = await cli('app', 'deploy', manifest);
    assert.equal(deployed.code, 0, deployed.stderr);
    const placed = await events.waitFor(
      'component_started',
      (d) => d.name === 'echo' && d.hostId === tabId,
      30_000,
    );
    assert.equal(placed.event.data.sha256, ref.slice('sha256:'.length));
    console.log(
      `echo started in the tab ${Math.round(placed.atMs - deployedAt)} ms after "aloft app deploy" began (fetched, verified, transpiled and instantiated in the tab)`,
    );

    const logLines = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#log li')].map((li) => li.textContent)`,
    );
    const transpiled = logLines.find((l) => l.includes('component transpiled'));
    console.log(
      `the tab's log: ${transpiled?.replace(/sha256="\w+" /, '') ?? 'no transpile line'}`,
    );
    // The daemonscaler puts one greeter in every tab, and none on the Node host.
    await events.waitFor('component_started', (d) => d.name === 'greeter' && d.hostId === tabId);
    const called = await cli('call', 'echo', 'echo', '--data', 'hello from the CLI');
    assert.equal(called.code, 0, called.stderr);
    assert.equal(called.stdout, 'hello from the CLI\n');
    await page.waitForSelector('#components [data-component="echo"][data-ok="1"]', {
      timeout: 5000,
    });

    // HTTP into the Node host's provider → the component in the tab → key-value on the Node
    // host over the lattice (the tab has no providers) → back.
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
  });

  it('the server side: scripts by content hash, components from the store over HTTP, bad requests named', async () => {
    const html = await (await fetch(`${dash.url}join`)).text();
    const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(script, /^\/join\/host\.js\?v=[0-9a-f]{16}$/);
    const js = await fetch(new URL(script, dash.url));
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(js.headers.get('cross-origin-resource-policy'), 'same-origin');
    const ref = /sha256:([0-9a-f]{64})/.exec(
      (await cli('get', 'inventory', tabId, '--json')).stdout,
    )?.[1];
    assert.ok(ref, 'the tab runs a component');
    const art = await fetch(`${dash.url}join/artifact?sha256=${ref}`);
    assert.equal(art.status, 200);
    const bytes = new Uint8Array(await art.arrayBuffer());
    assert.equal(await sha256Of(bytes), ref);
    const missing = await fetch(`${dash.url}join/artifact?sha256=${'0'.repeat(64)}`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /no artifact sha256:0{64}/);
    const bad = await fetch(`${dash.url}join/artifact?sha256=../etc/passwd`);
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${dash.url}join`, { method: 'POST' })).status, 405);
  });

  it('the same limits in the tab: a runaway guest is stopped at its deadline and its worker replaced; an allocation traps at the memory cap', async () => {
    const pushed = await cli(
      'push',
      writeComponent(dir.path, 'probe', await signedFixture('probe-as')),
    );
    assert.equal(pushed.code, 0, pushed.stderr);
    // Placed by a control request to the tab, as `aloft start component --host` sends it.
    await requestJson(
      nc,
      subjectsFor(LATTICE).control('component.start', tabId),
      {
        name: 'probe',
        ref: pushed.stdout.trim(),
        count: 1,
        limits: { deadlineMs: 500, memoryMiB: 32 },
      },
      schemas.Ack,
      { timeoutMs: 5000 },
    );
    await events.waitFor('component_started', (d) => d.name === 'probe' && d.hostId === tabId);
    const call = async (op: string) => cli('call', 'probe', op, '--timeout-ms', '5000');
    assert.equal((await call('count')).stdout, '1\n');
    assert.equal((await call('count')).stdout, '2\n');

    // The call straight to the tab's subject, as a caller's attempt with a 500 ms deadline.
    const headers = natsHeaders();
    headers.set(CALL_HEADERS.operation, 'spin');
    headers.set(CALL_HEADERS.timeout, '500');
    const t0 = performance.now();
    await assert.rejects(
      request(nc, subjectsFor(LATTICE).rpcOnHost('probe', tabId), new Uint8Array(), {
        timeoutMs: 5000,
        headers,
      }),
      (err: unknown) => {
        assert.ok(err instanceof LatticeError && err.code === 'COMPONENT_TIMEOUT', String(err));
        return true;
      },
    );
    const ms = performance.now() - t0;
    console.log(
      `a spinning guest in the tab answered COMPONENT_TIMEOUT after ${Math.round(ms)} ms`,
    );
    assert.ok(ms >= 450 && ms < 2000, `COMPONENT_TIMEOUT after ${Math.round(ms)} ms`);
    // The instance's worker was terminated and a fresh one serves: module state starts over.
    assert.equal((await call('count')).stdout, '1\n');
    // The other component in the tab kept its own workers.
    assert.equal((await cli('call', 'echo', 'echo', '--data', 'alive')).stdout, 'alive\n');

    const alloc = await call('alloc');
    assert.equal(alloc.code, 4, alloc.stdout);
    assert.match(alloc.stderr, /of 32 MiB cap/);
    assert.equal((await call('count')).stdout, '1\n');
  });

  it('"Leave the lattice" is a clean leave: host_stopped, not a loss', async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`${dash.url}join?cloud=gcp`);
      await other.waitForSelector('#state[data-state="running"]', { timeout: 30_000 });
      const id = (await other.textContent('#host-id')) ?? '';
      await events.waitFor('host_started', (d) => d.hostId === id);
      // Every tab that joins gets the daemonscaler's greeter.
      await events.waitFor('component_started', (d) => d.name === 'greeter' && d.hostId === id);
      await other.click('#leave');
      await events.waitFor('host_stopped', (d) => d.hostId === id, 10_000);
      await other.waitForSelector('#state[data-state="stopped"]', { timeout: 5000 });
      const hosts = JSON.parse((await cli('get', 'hosts', '--json')).stdout) as HostSummary[];
      assert.ok(!hosts.some((h) => h.hostId === id), 'the tab that left still answers pings');
      leftId = id; // and no host_lost for it, checked seconds later (below)
    } finally {
      await other.close();
    }
  });

  it("heartbeats keep time in a worker: a tab whose page timers are stopped (as a hidden page's are throttled) stays alive", async () => {
    // Playwright's clock replaces the page's timers; paused, none of them fires. Workers keep theirs.
    const context = await browser.newContext();
    try {
      await context.clock.install();
      await context.clock.pauseAt(Date.now() + 1000);
      const frozen = await context.newPage();
      await frozen.goto(`${dash.url}join?cloud=frozen`);
      await frozen.waitForSelector('#state[data-state="running"]', { timeout: 30_000 });
      const id = (await frozen.textContent('#host-id')) ?? '';
      // Five beats after joining, more than the three a host may miss before it is lost.
      const beats = nc.subscribe(subjectsFor(LATTICE).heartbeat(id), { max: 5 });
      const seqs: number[] = [];
      const timer = setTimeout(() => beats.unsubscribe(), 10_000);
      for await (const m of beats) seqs.push(m.json<{ seq: number }>().seq);
      clearTimeout(timer);
      assert.equal(seqs.length, 5, `only ${seqs.length} heartbeats from the tab in 10 s`);
      assert.ok(
        seqs.every((n, i) => i === 0 || n > (seqs[i - 1] ?? 0)),
        String(seqs),
      );
      assert.ok(!events.seen.some((e) => e.type === 'host_lost' && e.event.data.hostId === id));
    } finally {
      await context.close();
    }
  });

  it('closing the page is a host loss: host_lost, and the work is re-placed on the Node host', async () => {
    const closedAt = performance.now();
    await page.close();
    const lost = await events.waitFor('host_lost', (d) => d.hostId === tabId, 15_000);
    const moved = await events.waitFor(
      'component_started',
      (d) => d.name === 'echo' && d.hostId === node.id,
      20_000,
    );
    const lostMs = lost.atMs - closedAt;
    const movedMs = moved.atMs - closedAt;
    console.log(
      `after closing the tab: host_lost at ${Math.round(lostMs)} ms, echo started on the Node host at ${Math.round(movedMs)} ms`,
    );
    const called = await cli('call', 'echo', 'echo', '--data', 'still here');
    assert.equal(called.code, 0, called.stderr);
    assert.equal(called.stdout, 'still here\n');
    const res = await fetch(`http://127.0.0.1:${httpPort}/three`);
    assert.equal(res.headers.get('x-visits'), '3');
    const hosts = JSON.parse((await cli('get', 'hosts', '--json')).stdout) as HostSummary[];
    assert.deepEqual(
      hosts.map((h) => h.hostId),
      [node.id],
    );
    assert.ok(leftId);
    assert.ok(
      !events.seen.some(
        (e) =>
          e.type === 'component_started' &&
          e.event.data.name === 'greeter' &&
          e.event.data.hostId === node.id,
      ),
      'the browser-only greeter was placed on the Node host',
    );
    assert.ok(
      !events.seen.some((e) => e.type === 'host_lost' && e.event.data.hostId === leftId),
      `the tab that left was reported lost: ${JSON.stringify(events.seen.filter((e) => e.event.data.hostId === leftId).map((e) => [e.type, e.atMs, e.event.source, e.event.data.reason]))}`,
    );
    // Issue 4's bound for a crashed host; a closed tab is one.
    assert.ok(lostMs <= 3500, `host_lost ${Math.round(lostMs)} ms after the tab closed`);
    // The chaos suite's bound for re-placing a lost cloud's work.
    assert.ok(movedMs <= 10_000, `re-placed ${Math.round(movedMs)} ms after the tab closed`);
  });
});

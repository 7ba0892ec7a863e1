import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import { bucketsFor, connectLattice } from '../../src/lattice/index.ts';
import { recordPid } from '../../src/nats/index.ts';
import {
  deploySample,
  originClouds,
  readSimState,
  startLoad,
  startSim,
  stopSim,
  type LoadGenerator,
  type SimState,
} from '../../src/sim/index.ts';
import { simControls } from '../../src/cli/sim-controls.ts';
import { startDashboard, type Dashboard } from '../../src/web/index.ts';
import { tempDir } from '../support/tmp.ts';

/** Screenshots land here (gitignored), for people to look at after a run. */
const artifacts = resolve(import.meta.dirname, '..', '..', 'test-results', 'dashboard');

/** FIELD-NOTES §4: Debian's chromium driven by playwright-core; playwright adds a fresh profile. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The dashboard in a real browser over a real simulation (3 clouds, 1 host each, a reconciler per
 * cloud, load from every cloud): the page shows the clouds, hosts and instances; pressing "kill" on
 * a cloud shows its hosts lost and its instances re-placed on the others.
 */
describe('dashboard in chromium', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-dash-browser-');
  let state: SimState;
  let nc: NatsConnection;
  let load: LoadGenerator;
  let dash: Dashboard;
  let server: BrowserServer;
  let browser: Browser;
  let page: Page;

  const shot = async (name: string): Promise<void> => {
    const path = join(artifacts, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${path}`);
  };

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    state = await startSim({
      clouds: ['aws', 'gcp', 'azure'],
      hostsPerCloud: 1,
      topology: 'cluster',
      lattice: 'sim',
      dataDir: dir.path,
    });
    const urls = Object.values(state.clouds).flatMap((c) => c.nats.map((n) => n.url));
    dash = await startDashboard({
      lattice: state.lattice,
      connection: { servers: urls },
      port: 0,
      sim: simControls(dir.path),
    });
    nc = await connectLattice({ servers: urls });
    await deploySample(state, nc, undefined, { cacheDir: '.cache/components' });
    load = await startLoad({
      ingress: () => originClouds(readSimState(dir.path)),
      requests: [{ method: 'GET', path: '/health' }],
      ratePerCloud: 10,
      maxSeconds: 200,
    });
    server = await chromium.launchServer({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const pid = server.process().pid;
    if (pid) recordPid(pid, 'chromium (dashboard test)');
    browser = await chromium.connect(server.wsEndpoint());
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.close();
    await load?.stop();
    await dash?.stop();
    await nc?.close();
    await stopSim(dir.path);
    dir.remove();
  });

  /**
   * Code run in the page (strings, because this file is type-checked for Node without the DOM):
   * instances of the counter the page shows per cloud, and the hosts of each cloud with their status.
   */
  const INSTANCES = `Object.fromEntries([...document.querySelectorAll('section.cloud')].map((c) => [
    c.dataset.cloud,
    [...c.querySelectorAll('[data-component="counter"]')].reduce((n, e) => n + Number(e.dataset.count), 0),
  ]))`;
  const HOSTS = `[...document.querySelectorAll('section.cloud')].map((c) => ({
    cloud: c.dataset.cloud,
    hosts: [...c.querySelectorAll('.host')].map((h) => h.dataset.host + ':' + h.dataset.status),
  }))`;
  const instances = (): Promise<Record<string, number>> => page.evaluate(INSTANCES);

  it('shows three clouds with their hosts and instances, live', async () => {
    await page.goto(dash.url);
    await page.waitForSelector('#live[data-state="live"]', { timeout: 10_000 });
    await page.waitForFunction(
      `document.querySelectorAll('section.cloud .host[data-status="up"]').length === 6`,
      undefined,
      { timeout: 15_000 },
    );
    assert.deepEqual(await page.evaluate(HOSTS), [
      { cloud: 'aws', hosts: ['aws-1:up', 'aws-ingress:up'] },
      { cloud: 'gcp', hosts: ['gcp-1:up', 'gcp-ingress:up'] },
      { cloud: 'azure', hosts: ['azure-1:up', 'azure-ingress:up'] },
    ]);
    assert.deepEqual(await instances(), { aws: 1, gcp: 1, azure: 1 });
    // Every cloud serves its share: the live rates reach the page from the hosts' heartbeats.
    await page.waitForFunction(
      `[...document.querySelectorAll('section.cloud [data-figure="rps"]')].every((e) => Number(e.textContent) > 0)`,
      undefined,
      { timeout: 15_000 },
    );
    assert.match((await page.textContent('#f-apps')) ?? '', /sim-counter/);
    await shot('1-three-clouds');
  });

  it('kill: the cloud’s hosts show lost and its instances re-placed on the others within 5 s', async () => {
    // The victim is a cloud whose reconciler does not hold the lease: losing the acting
    // reconciler adds the lease takeover, whose bound test/chaos/outage.test.ts holds.
    const lease = await (await new Kvm(nc).open(bucketsFor(state.lattice).lease)).get('reconciler');
    const holder = (lease?.json<{ holder: string }>().holder ?? '').replace('reconciler-', '');
    const victim = ['gcp', 'azure', 'aws'].find((c) => c !== holder) ?? 'gcp';
    const others = ['aws', 'gcp', 'azure'].filter((c) => c !== victim);
    console.log(`killing ${victim} (the acting reconciler is in ${holder || 'no cloud yet'})`);
    const card = `section[data-cloud="${victim}"]`;
    const clickedAt = performance.now();
    await page.click(`${card} button[data-action="kill"]`);
    await page.waitForFunction(
      `[...document.querySelectorAll('${card} .host')].every((h) => h.dataset.status === 'lost')`,
      undefined,
      { timeout: 20_000, polling: 50 },
    );
    const lostMs = performance.now() - clickedAt;
    await page.waitForFunction(
      `(() => {
        const shown = ${INSTANCES};
        return shown['${victim}'] === 0 && ${others.map((c) => `shown['${c}']`).join(' + ')} === 3;
      })()`,
      undefined,
      { timeout: 20_000, polling: 50 },
    );
    const shownMs = performance.now() - clickedAt;
    console.log(
      `after the click on kill ${victim}: its host shown lost at ${Math.round(lostMs)} ms, its instance re-placed at ${Math.round(shownMs)} ms`,
    );
    const after = await instances();
    assert.equal(after[victim], 0);
    assert.equal(await page.getAttribute(`${card} [data-condition]`, 'data-condition'), 'killed');
    await page.waitForSelector('#f-events [data-type="host_lost"]', { timeout: 5000 });
    await shot(`2-after-kill-${victim}`);
    assert.ok(shownMs <= 5000, `shown ${Math.round(shownMs)} ms after the click`);
  });
});

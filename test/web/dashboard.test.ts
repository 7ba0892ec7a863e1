import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import {
  bucketsFor,
  connectLattice,
  decodeJson,
  encodeJson,
  requestJson,
  schemas,
  subjectsFor,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { openAppStore, type AppStatus } from '../../src/reconciler/index.ts';
import { AloftError } from '../../src/support/index.ts';
import { startDashboard, type Dashboard, type SimAction } from '../../src/web/index.ts';
import { example } from '../support/samples.ts';
import { startComponent, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';
import { openViewStream } from './sse.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'dash';

/**
 * The dashboard over plain HTTP (no browser) against real hosts on a real nats-server: the page,
 * the SSE stream, call rates from heartbeat statistics, and the fault API.
 */
describe('dashboard over HTTP', { timeout: 120_000 }, () => {
  const dir = tempDir('aloft-dash-');
  let topo: Topology;
  let nc: NatsConnection;
  let a: Host;
  let b: Host;
  let dash: Dashboard;
  const acted: [SimAction, string | undefined][] = [];

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    const common = {
      lattice,
      servers: topo.urls(),
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    };
    [a, b] = await Promise.all([
      startHost({ ...common, name: 'aws-1', labels: { cloud: 'aws', region: 'us-east-1' } }),
      startHost({ ...common, name: 'gcp-1', labels: { cloud: 'gcp', region: 'europe-west1' } }),
    ]);
    const ref = writeComponent(dir.path, 'echo', await example('echo-as'));
    await startComponent(nc, lattice, a.id, { name: 'echo', ref, count: 2 });
    await b.view.waitFor((v) => (v.get(a.id)?.components.echo ?? 0) === 2, 30_000);
    dash = await startDashboard({
      lattice,
      connection: { servers: topo.urls() },
      port: 0,
      sim: {
        clouds: () => ({
          aws: { region: 'us-east-1', condition: 'up' },
          gcp: { region: 'europe-west1', condition: 'up' },
        }),
        kill: (c) => void acted.push(['kill', c]),
        hang: (c) => void acted.push(['hang', c]),
        restore: (c) => void acted.push(['restore', c]),
        heal: (c) => void acted.push(['heal', c]),
        partition: () => {
          throw new AloftError('UNAVAILABLE', 'partitions are not available in this build');
        },
        unavailable: ['partition'],
      },
      routes: { '/join': (_req, res) => void res.writeHead(200).end('join page') },
    });
  });

  after(async () => {
    await dash?.stop();
    await Promise.allSettled([a?.stop(1000), b?.stop(1000)]);
    await nc?.close();
    await topo?.destroy();
    dir.remove();
  });

  it('serves the page rendered on the server: clouds, hosts, instances', async () => {
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (dash.view().totals.hosts === 2) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
    const res = await fetch(dash.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = await res.text();
    assert.match(html, /<section class="cloud" id="cloud-aws" data-cloud="aws"/);
    assert.match(html, /data-host="aws-1"[^>]*data-status="up"/);
    assert.match(html, /data-host="gcp-1"[^>]*data-status="up"/);
    assert.match(html, /data-component="echo" data-count="2"/);
    assert.match(html, /data-action="kill" data-cloud="gcp"/);
    const js = await fetch(new URL('/assets/app.js', dash.url));
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.match(await js.text(), /new EventSource\('\/events'\)/);
    assert.equal((await fetch(new URL('/assets/style.css', dash.url))).status, 200);
    assert.equal((await fetch(new URL('/nope', dash.url))).status, 404);
    assert.equal((await fetch(dash.url, { method: 'PUT' })).status, 405);
    assert.equal(await (await fetch(new URL('/join', dash.url))).text(), 'join page');
  });

  it('heartbeats count the calls a host served; the stream shows the rate on the serving cloud', async () => {
    const stream = await openViewStream(dash.url);
    try {
      assert.equal(stream.contentType, 'text/event-stream; charset=utf-8');
      await stream.until((s) => s.fragment('f-body-aws').includes('aws-1'), 5000, 'aws-1');
      const beats = nc.subscribe(subjectsFor(lattice).heartbeat(a.id));
      const iter = beats[Symbol.asyncIterator]();
      const next = async () => {
        const m = await iter.next();
        return decodeJson((m.value as { data: Uint8Array }).data, schemas.Heartbeat, 'hb');
      };
      const first = await next();
      const ok0 = first.calls?.echo?.ok ?? 0;
      const err0 = first.calls?.echo?.err ?? 0;
      // Calls from the gcp host are served by the aws host (the only one running echo).
      for (let i = 0; i < 40; i++) await b.caller.call('echo', 'echo', utf8(`hi ${i}`));
      await assert.rejects(b.caller.call('echo', 'nope', utf8('x')), /no operation nope/);
      for (;;) {
        const hb = await next();
        if ((hb.calls?.echo?.ok ?? 0) - ok0 < 40) continue;
        assert.equal((hb.calls?.echo?.ok ?? 0) - ok0, 40, 'exactly the calls made');
        assert.equal((hb.calls?.echo?.err ?? 0) - err0, 1, 'the failed call');
        break;
      }
      beats.unsubscribe();
      const rps = (html: string): number => Number(/data-figure="rps">([\d.]+)</.exec(html)?.[1]);
      await stream.until((s) => rps(s.fragment('f-body-aws')) > 0, 5000, 'a rate on aws');
      assert.equal(rps(stream.fragment('f-body-gcp')), 0, 'gcp served nothing');
      const view = dash.view();
      assert.equal(view.clouds.find((c) => c.name === 'gcp')?.rps, 0);
      assert.ok((view.clouds.find((c) => c.name === 'aws')?.p99 ?? -1) >= 0, 'a latency');
    } finally {
      stream.close();
    }
  });

  it('shows links, application status and events as they happen', async () => {
    const stream = await openViewStream(dash.url);
    try {
      await requestJson(
        nc,
        subjectsFor(lattice).control('link.put'),
        { source: 'echo', target: 'kv-main', interface: 'keyvalue' },
        schemas.Ack,
        { timeoutMs: 5000 },
      );
      await stream.until((s) => s.fragment('f-links').includes('kv-main'), 5000, 'the link');
      await openAppStore(nc, lattice); // creates the apps bucket as a reconciler would
      const status: AppStatus = {
        app: 'shop',
        version: 'v3',
        state: 'Reconciling',
        reason: '1 of 2 running',
        scalers: [
          {
            component: 'echo',
            kind: 'spread',
            state: 'Reconciling',
            reason: '',
            target: 2,
            running: 1,
          },
        ],
      };
      const kv = await new Kvm(nc).open(bucketsFor(lattice).apps);
      await kv.put('status.shop', encodeJson(status));
      await stream.until(
        (s) => /data-app="shop" data-state="Reconciling"/.test(s.fragment('f-apps')),
        10_000,
        'the application status',
      );
      await b.stop(1000);
      await stream.until(
        (s) => /data-host="gcp-1"[^>]*data-status="stopped"/.test(s.fragment('f-body-gcp')),
        5000,
        'gcp-1 stopped',
      );
      assert.match(stream.fragment('f-events'), /data-type="host_stopped"/);
      assert.match(stream.fragment('f-events'), /data-type="link_put"/);
    } finally {
      stream.close();
    }
  });

  it('fault API: runs the callbacks, explains what is unavailable, refuses bad and cross-site requests', async () => {
    const post = (action: string, body: string, headers: Record<string, string> = {}) =>
      fetch(new URL(`/api/sim/${action}`, dash.url), { method: 'POST', body, headers });
    let res = await post('kill', '{"cloud":"gcp"}');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, message: 'kill gcp: done' });
    assert.equal((await post('heal', '')).status, 200);
    assert.deepEqual(acted, [
      ['kill', 'gcp'],
      ['heal', undefined],
    ]);
    res = await post('partition', '{"cloud":"aws"}');
    assert.equal(res.status, 501);
    assert.match(((await res.json()) as { message: string }).message, /not available/);
    assert.equal((await post('kill', '{"cloud":5}')).status, 400);
    assert.equal((await post('kill', '{')).status, 400);
    assert.equal((await post('kill', '{}')).status, 400, 'kill needs a cloud');
    assert.equal((await post('explode', '{"cloud":"aws"}')).status, 404);
    res = await post('kill', '{"cloud":"aws"}', { origin: 'http://elsewhere.example' });
    assert.equal(res.status, 403);
    assert.equal(acted.length, 2, 'no refused request reached the simulation');
    const plain = await startDashboard({ lattice, connection: { servers: topo.urls() }, port: 0 });
    try {
      res = await fetch(new URL('/api/sim/kill', plain.url), {
        method: 'POST',
        body: '{"cloud":"aws"}',
      });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { code: string }).code, 'NOT_SIMULATION');
      assert.equal((await (await fetch(plain.url)).text()).includes('data-action'), false);
    } finally {
      await plain.stop();
    }
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent, type Heartbeat } from '../lattice/index.ts';
import { addEvent, applyBeat, emptyModel, expire, hostGone, sample } from './model.ts';
import { renderFragments, renderPage } from './render.ts';
import { buildView, type ViewInput } from './view.ts';

/** A heartbeat of host `name` in `cloud` at `uptimeMs`, with `ok`/`err` calls of `echo` so far. */
function beat(
  name: string,
  cloud: string,
  uptimeMs: number,
  calls: { ok: number; err: number; p50?: number; p99?: number } = { ok: 0, err: 0 },
  extra: Partial<Heartbeat> = {},
): Heartbeat {
  return {
    hostId: `N${name.toUpperCase()}`,
    name,
    labels: { cloud, region: `${cloud}-1`, zone: 'a' },
    intervalMs: 1000,
    seq: uptimeMs / 1000,
    inventoryRevision: 1,
    cordoned: false,
    components: { echo: 2 },
    providers: ['kv'],
    load: { inFlight: 1, capacity: 2 },
    uptimeMs,
    calls: { echo: calls },
    ...extra,
  };
}

const input = (nowMs: number, extra: Partial<ViewInput> = {}): ViewInput => ({
  lattice: 'default',
  nowMs,
  wallMs: 1_700_000_000_000 + nowMs,
  ...extra,
});

describe('dashboard view model', () => {
  it('derives requests/s, errors/s and latency per serving cloud from successive beats', () => {
    const m = emptyModel();
    applyBeat(m, beat('a1', 'aws', 1000, { ok: 100, err: 0 }), 0);
    applyBeat(m, beat('a2', 'aws', 5000, { ok: 0, err: 0 }), 0);
    applyBeat(m, beat('g1', 'gcp', 1000, { ok: 10, err: 0 }), 0);
    // One second later (host clocks): a1 served 50 more (5 failed), a2 30, g1 20.
    applyBeat(m, beat('a1', 'aws', 2000, { ok: 145, err: 5, p50: 2, p99: 9 }), 1000);
    applyBeat(m, beat('a2', 'aws', 6000, { ok: 30, err: 0, p50: 4, p99: 6 }), 1000);
    applyBeat(m, beat('g1', 'gcp', 2000, { ok: 30, err: 0, p50: 1, p99: 3 }), 1000);
    const v = buildView(m, input(1100));
    const aws = v.clouds.find((c) => c.name === 'aws');
    const gcp = v.clouds.find((c) => c.name === 'gcp');
    assert.equal(aws?.rps, 80);
    assert.equal(aws?.errps, 5);
    assert.equal(aws?.p99, 9, 'p99 of a cloud is the worst of its hosts');
    assert.equal(aws?.p50, (2 * 50 + 4 * 30) / 80, 'p50 is weighted by each host’s calls');
    assert.equal(gcp?.rps, 20);
    assert.equal(v.totals.rps, 100);
    assert.equal(v.totals.errps, 5);
    assert.equal(v.totals.instances, 6);
    assert.deepEqual(aws?.hosts.find((h) => h.name === 'a1')?.components, [
      { name: 'echo', count: 2, rps: 50 },
    ]);
    assert.deepEqual(aws?.hosts[0]?.labels, [['zone', 'a']], 'cloud and region are the card');
  });

  it('measures rates over at least 0.9 s, so an early beat (inventory change) adds no noise', () => {
    const m = emptyModel();
    applyBeat(m, beat('a1', 'aws', 1000, { ok: 0, err: 0 }), 0);
    applyBeat(m, beat('a1', 'aws', 1050, { ok: 10, err: 0 }), 50);
    assert.equal(buildView(m, input(60)).clouds[0]?.rps, 0);
    applyBeat(m, beat('a1', 'aws', 2000, { ok: 100, err: 0 }), 1000);
    assert.equal(buildView(m, input(1000)).clouds[0]?.rps, 100);
  });

  it('a restarted counter (a new process with the same id) starts a new baseline', () => {
    const m = emptyModel();
    applyBeat(m, beat('a1', 'aws', 50_000, { ok: 9000, err: 0 }), 0);
    applyBeat(m, beat('a1', 'aws', 1000, { ok: 5, err: 0 }), 1000);
    applyBeat(m, beat('a1', 'aws', 2000, { ok: 25, err: 0 }), 2000);
    assert.equal(buildView(m, input(2000)).clouds[0]?.rps, 20);
  });

  it('a host silent for three beats is lost; its rate stops counting; a beat brings it back', () => {
    const m = emptyModel();
    applyBeat(m, beat('a1', 'aws', 1000), 0);
    applyBeat(m, beat('a1', 'aws', 2000, { ok: 10, err: 0 }), 1000);
    expire(m, 3999);
    assert.equal(buildView(m, input(3999)).clouds[0]?.hosts[0]?.status, 'up');
    expire(m, 4001);
    const v = buildView(m, input(4001));
    assert.equal(v.clouds[0]?.hosts[0]?.status, 'lost');
    assert.equal(v.clouds[0]?.hosts[0]?.reason, 'missed 3 heartbeats');
    assert.deepEqual(v.clouds[0]?.hosts[0]?.components, [], 'a lost host holds no instances');
    assert.equal(v.clouds[0]?.rps, 0);
    assert.equal(v.totals.lost, 1);
    applyBeat(m, beat('a1', 'aws', 9000), 9000); // it was only hung
    assert.equal(buildView(m, input(9000)).clouds[0]?.hosts[0]?.status, 'up');
  });

  it('host_lost and host_stopped events act at once; a replacement of the same name takes the slot', () => {
    const m = emptyModel();
    applyBeat(m, beat('g1', 'gcp', 1000), 0);
    hostGone(m, 'NG1', 'lost', 'its connection closed (no responders)', 10);
    assert.equal(buildView(m, input(10)).clouds[0]?.hosts[0]?.status, 'lost');
    applyBeat(m, { ...beat('g1', 'gcp', 100), hostId: 'NNEW' }, 20);
    const hosts = buildView(m, input(20)).clouds[0]?.hosts ?? [];
    assert.deepEqual(
      hosts.map((h) => [h.id, h.status]),
      [['NNEW', 'up']],
    );
    hostGone(m, 'NNEW', 'stopped', 'stopped gracefully', 30);
    assert.equal(buildView(m, input(30)).clouds[0]?.hosts[0]?.status, 'stopped');
    expire(m, 30 + 5 * 60_000 + 1);
    assert.equal(buildView(m, input(30 + 5 * 60_000 + 1)).clouds.length, 0, 'forgotten later');
  });

  it('cordoned and draining hosts; simulated clouds without hosts still show, in their order', () => {
    const m = emptyModel();
    applyBeat(m, beat('z1', 'zcloud', 1000, undefined, { cordoned: true }), 0);
    applyBeat(m, beat('a1', 'aws', 1000, undefined, { cordoned: true, draining: true }), 0);
    const v = buildView(
      m,
      input(10, {
        simClouds: {
          gcp: { region: 'europe-west1', condition: 'killed' },
          aws: { region: 'us-east-1', condition: 'up' },
        },
        simActions: { kill: true, hang: true, partition: false, heal: true, restore: true },
      }),
    );
    assert.deepEqual(
      v.clouds.map((c) => [c.name, c.condition, c.hosts.map((h) => h.status)]),
      [
        ['gcp', 'killed', []],
        ['aws', 'up', ['draining']],
        ['zcloud', undefined, ['cordoned']],
      ],
    );
    assert.equal(v.sim?.actions.partition, false);
  });

  it('samples the chart per cloud and keeps a bounded history', () => {
    const m = emptyModel();
    applyBeat(m, beat('a1', 'aws', 1000), 0);
    applyBeat(m, beat('a1', 'aws', 2000, { ok: 7, err: 0 }), 1000);
    for (let i = 0; i < 200; i++) sample(m, ['aws', 'gcp'], 1000, i);
    assert.equal(m.series.length, 90);
    assert.deepEqual(m.series.at(-1), { t: 199, rps: { aws: 7, gcp: 0 } });
  });

  it('the event timeline: newest first, repeats ignored, hosts named, tones by kind', () => {
    const m = emptyModel();
    applyBeat(m, beat('g1', 'gcp', 1000), 0);
    const lost = makeEvent(
      'host_lost',
      'aloft://default/reconciler/reconciler-aws',
      { hostId: 'NG1', reason: 'missed 3 heartbeats', labels: { cloud: 'gcp' } },
      { subject: 'NG1' },
    );
    const started = makeEvent('component_started', 'aloft://default/host/NA1', {
      hostId: 'NA1',
      name: 'echo',
      count: 2,
      app: 'shop',
    });
    assert.equal(addEvent(m, lost), true);
    assert.equal(addEvent(m, lost), false);
    addEvent(m, started);
    const events = buildView(m, input(0)).events;
    assert.deepEqual(
      events.map((e) => [e.type, e.tone, e.who, e.detail]),
      [
        ['component_started', 'good', 'NA1…', 'echo ×2 (app shop)'],
        ['host_lost', 'bad', 'g1', 'missed 3 heartbeats (gcp), seen by reconciler-aws'],
      ],
    );
  });
});

describe('dashboard rendering', () => {
  it('escapes everything that comes from the lattice', () => {
    const m = emptyModel();
    applyBeat(
      m,
      {
        ...beat('x', '<script>alert(1)</script>', 1000),
        name: '"><img src=x onerror=alert(1)>',
      },
      0,
    );
    const html = renderPage(buildView(m, input(0)));
    assert.equal(html.includes('<script>alert(1)'), false);
    assert.equal(html.includes('<img src=x'), false);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('fragments carry data attributes for hosts and instances, and buttons only in simulation', () => {
    const m = emptyModel();
    applyBeat(m, beat('a1', 'aws', 1000), 0);
    const plain = renderFragments(buildView(m, input(0)));
    assert.equal(plain.layout, 'aws');
    const body = plain.fragments['f-body-aws'] ?? '';
    assert.match(body, /data-host="a1"[^>]*data-status="up"/);
    assert.match(body, /data-component="echo" data-count="2"/);
    assert.equal((plain.fragments['f-head-aws'] ?? '').includes('data-action'), false);
    const sim = renderFragments(
      buildView(
        m,
        input(0, {
          simClouds: { aws: { region: 'us-east-1', condition: 'hung' } },
          simActions: { kill: true, hang: true, partition: false, heal: true, restore: true },
        }),
      ),
    );
    const head = sim.fragments['f-head-aws'] ?? '';
    assert.match(head, /data-action="kill" data-cloud="aws"/);
    assert.match(head, /act-partition unavailable/);
    assert.match(head, /data-condition="hung"/);
  });
});

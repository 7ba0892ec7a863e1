import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schemas } from '../../src/lattice/index.ts';
import {
  applyCommands,
  appStatuses,
  reconcile,
  toControlRequest,
  type Command,
  type ObservedWorkload,
} from '../../src/reconciler/index.ts';
import { app, component, countsOf, host, lattice, spread } from './fixtures.ts';

const running = (
  name: string,
  count: number,
  since: number,
  over: Partial<ObservedWorkload> = {},
): ObservedWorkload => ({
  name,
  ref: `ghcr.io/example/${name}:1.0.0`,
  count,
  app: 'shop',
  version: 'v1',
  since,
  ...over,
});
const brief = (cmds: Command[]): string[] =>
  cmds.map((c) =>
    [c.type, 'hostId' in c ? c.hostId : '', 'count' in c ? c.count : ''].join(' ').trim(),
  );

describe('trimming duplicates after a partition heals', () => {
  const desired = [
    app('shop', [
      component('api', {
        kind: 'spread',
        instances: 3,
        spreads: [spread('aws', { cloud: 'aws' })],
      }),
    ]),
  ];
  // The majority re-placed a1..a3 while a4 (cut off) kept its instance; g1 ran a fallback copy.
  const hosts = () => [
    host('a1', { cloud: 'aws' }, { components: [running('api', 1, 500)] }),
    host('a2', { cloud: 'aws' }, { components: [running('api', 1, 300)] }),
    host('a3', { cloud: 'aws' }, { components: [running('api', 1, 900)] }),
    host('a4', { cloud: 'aws' }, { components: [running('api', 1, 100)] }),
    host('g1', { cloud: 'gcp' }, { components: [running('api', 1, 10)] }),
  ];

  it('keeps the preferred placement first, then the longest-healthy, and stops the rest at once', () => {
    const cmds = reconcile(desired, lattice(hosts()));
    assert.deepEqual(brief(cmds), ['stop a3', 'stop g1']);
  });

  it('picks the same survivors whatever order the hosts are observed in', () => {
    const expected = brief(reconcile(desired, lattice(hosts())));
    for (const order of [
      [4, 3, 2, 1, 0],
      [2, 0, 4, 1, 3],
      [1, 4, 0, 3, 2],
    ]) {
      const shuffled = order.map((i) => hosts()[i]!);
      assert.deepEqual(brief(reconcile(desired, lattice(shuffled))), expected);
    }
  });

  it('trims unhealthy, then cordoned copies before healthy ones on schedulable hosts', () => {
    const two = [
      app('shop', [
        component('api', {
          kind: 'spread',
          instances: 2,
          spreads: [spread('aws', { cloud: 'aws' })],
        }),
      ]),
    ];
    const list = hosts().slice(0, 4);
    list[3] = host(
      'a4',
      { cloud: 'aws' },
      { components: [running('api', 1, 100, { healthy: false })] },
    );
    list[1] = host(
      'a2',
      { cloud: 'aws' },
      { cordoned: true, components: [running('api', 1, 300)] },
    );
    assert.deepEqual(brief(reconcile(two, lattice(list))), ['stop a2', 'stop a4']);
    const three = reconcile(desired, lattice(list));
    assert.deepEqual(
      brief(three),
      ['stop a4'],
      'a healthy copy on a cordoned host beats an unhealthy one',
    );
  });
});

describe('upgrades', () => {
  const v1 = app('shop', [component('api', { kind: 'spread', instances: 2, spreads: [] })]);
  const v2 = app(
    'shop',
    [
      component(
        'api',
        { kind: 'spread', instances: 2, spreads: [] },
        { image: 'ghcr.io/example/api:2.0.0' },
      ),
    ],
    'v2',
  );

  it('swaps the image in place on the hosts that keep it (the host loads the new before retiring the old)', () => {
    const o = lattice([
      host('h1', {}, { components: [running('api', 1, 0)] }),
      host('h2', {}, { components: [running('api', 1, 0)] }),
    ]);
    assert.deepEqual(reconcile([v1], o), []);
    const cmds = reconcile([v2], o);
    assert.deepEqual(brief(cmds), ['start h1 1', 'start h2 1']);
    assert.ok(
      cmds.every((c) => c.type === 'start' && c.ref.endsWith(':2.0.0') && c.version === 'v2'),
    );
    assert.deepEqual(reconcile([v2], applyCommands(o, cmds, 5)), []);
  });

  it('starts the new version where it moves before stopping the old (make-before-break)', () => {
    const moved = app(
      'shop',
      [
        component(
          'api',
          { kind: 'spread', instances: 2, spreads: [spread('new', { pool: 'b' })] },
          { image: 'ghcr.io/example/api:2.0.0' },
        ),
      ],
      'v2',
    );
    let o = lattice([
      host('a1', { pool: 'a' }, { components: [running('api', 1, 0)] }),
      host('a2', { pool: 'a' }, { components: [running('api', 1, 0)] }),
      host('b1', { pool: 'b' }),
      host('b2', { pool: 'b' }),
    ]);
    const first = reconcile([moved], o);
    assert.deepEqual(brief(first), ['start b1 1', 'start b2 1']);
    const [status] = appStatuses([moved], o);
    assert.equal(status?.state, 'Reconciling');
    assert.match(status?.reason ?? '', /removing surplus from 2 hosts once the new ones run/);
    // Until the new instances are observed, nothing old is stopped, however often we reconcile.
    assert.deepEqual(brief(reconcile([moved], o)), brief(first));
    // Planning on top of the commands in flight neither repeats them nor stops the old copies.
    const inFlight = applyCommands(o, first, 10, { pending: true });
    assert.deepEqual(reconcile([moved], inFlight), []);
    assert.match(appStatuses([moved], inFlight)[0]?.reason ?? '', /waiting for 2 hosts to confirm/);
    o = applyCommands(o, first, 10);
    assert.deepEqual(brief(reconcile([moved], o)), ['stop a1', 'stop a2']);
  });

  it('keeps the old version running when the new one fails to start, and says why (Failed)', () => {
    const o = lattice([host('h1', {}, { components: [running('api', 1, 0)] })], {
      failures: [
        { hostId: 'h1', name: 'api', ref: 'ghcr.io/example/api:2.0.0', error: 'manifest unknown' },
      ],
    });
    const one = app(
      'shop',
      [
        component(
          'api',
          { kind: 'spread', instances: 1, spreads: [] },
          { image: 'ghcr.io/example/api:2.0.0' },
        ),
      ],
      'v2',
    );
    assert.ok(reconcile([one], o).every((c) => c.type === 'start'));
    const [s] = appStatuses([one], o);
    assert.equal(s?.state, 'Failed');
    assert.equal(
      s?.reason,
      'api: cannot start ghcr.io/example/api:2.0.0 on host h1: manifest unknown',
    );
  });

  it('stops components a new version dropped only once the rest is up', () => {
    const v3 = app('shop', [component('web', { kind: 'spread', instances: 1, spreads: [] })], 'v3');
    let o = lattice([host('h1', {}, { components: [running('api', 1, 0)] })]);
    const first = reconcile([v3], o);
    assert.deepEqual(brief(first), ['start h1 1']);
    o = applyCommands(o, first, 1);
    assert.deepEqual(brief(reconcile([v3], o)), ['stop h1']);
  });
});

describe('scaling, ownership and undeploy', () => {
  it('scales down at once when nothing needs starting', () => {
    const desired = [
      app('shop', [component('api', { kind: 'spread', instances: 1, spreads: [] })]),
    ];
    const o = lattice([host('h1', {}, { components: [running('api', 3, 0)] })]);
    assert.deepEqual(brief(reconcile(desired, o)), ['scale h1 1']);
  });

  it('never touches a name another application (or a person) runs on a host', () => {
    const desired = [
      app('shop', [component('api', { kind: 'spread', instances: 2, spreads: [] })]),
    ];
    const o = lattice([
      host('h1', {}, { components: [running('api', 1, 0, { app: 'other' })] }),
      host('h2', {}, { components: [running('api', 1, 0, { app: undefined })] }),
      host('h3'),
    ]);
    assert.deepEqual(brief(reconcile(desired, o)), ['start h3 2']);
  });

  it('undeploys: stops everything, removes its links and the configs it owns', () => {
    const spec = component(
      'api',
      { kind: 'spread', instances: 1, spreads: [] },
      {
        config: [
          { name: 'api-settings', properties: { mode: 'fast' } },
          { name: 'shared', properties: undefined },
        ],
        links: [
          {
            target: 'kv',
            namespace: 'wasi',
            package: 'keyvalue',
            interfaces: ['store'],
            name: 'default',
            targetConfig: [],
            sourceConfig: [],
          },
        ],
      },
    );
    const kv = component(
      'kv',
      { kind: 'spread', instances: 1, spreads: [] },
      { kind: 'capability' },
    );
    const deployed = app('shop', [spec, kv]);
    let o = lattice([host('h1')], { configs: { shared: { x: '1' } } });
    for (let i = 0; i < 3; i++) o = applyCommands(o, reconcile([deployed], o), i);
    assert.deepEqual(reconcile([deployed], o), []);
    assert.equal(o.links.length, 1);
    assert.deepEqual(Object.keys(o.configs).sort(), ['api-settings', 'shared']);

    const gone = { ...deployed, deployed: false };
    const cmds = reconcile([gone], o);
    assert.deepEqual(
      cmds.map((c) => c.type),
      ['stop', 'stopProvider', 'deleteLink', 'deleteConfig'],
    );
    o = applyCommands(o, cmds, 9);
    assert.deepEqual(countsOf(o, 'api'), {});
    assert.deepEqual(Object.keys(o.configs), ['shared'], 'a config it only refers to stays');
    assert.equal(appStatuses([gone], o)[0]?.state, 'Undeployed');
  });
});

describe('links and configs', () => {
  it('puts configs, then links with the target config merged, and replaces changed ones', () => {
    const spec = component(
      'counter',
      { kind: 'spread', instances: 1, spreads: [] },
      {
        links: [
          {
            target: 'redis',
            namespace: 'wasi',
            package: 'keyvalue',
            interfaces: ['atomics', 'store'],
            name: 'default',
            targetConfig: [
              { name: 'redis-url', properties: { url: 'redis://a' } },
              { name: 'tuning', properties: undefined },
            ],
            sourceConfig: [],
          },
        ],
      },
    );
    const desired = [app('kv', [spec])];
    const o = lattice([host('h1')], {
      configs: { tuning: { pool: '4' } },
      links: [
        {
          source: 'counter',
          target: 'old',
          interface: 'wasi:keyvalue/store',
          name: 'default',
          config: {},
        },
        {
          source: 'counter',
          target: 'x',
          interface: 'wasi:http/outgoing-handler',
          name: 'default',
          config: {},
        },
        {
          source: 'someone-else',
          target: 'x',
          interface: 'wasi:http/outgoing-handler',
          name: 'default',
          config: {},
        },
      ],
    });
    const cmds = reconcile(desired, o);
    assert.deepEqual(
      cmds.map((c) => c.type),
      ['putConfig', 'putLink', 'putLink', 'start', 'deleteLink'],
    );
    const link = cmds[1];
    assert.ok(link?.type === 'putLink');
    assert.deepEqual(link.link, {
      source: 'counter',
      target: 'redis',
      interface: 'wasi:keyvalue/atomics',
      name: 'default',
      config: { url: 'redis://a', pool: '4' },
    });
    const del = cmds[4];
    assert.ok(del?.type === 'deleteLink' && del.interface === 'wasi:http/outgoing-handler');
    assert.deepEqual(reconcile(desired, applyCommands(o, cmds, 1)), []);
  });
});

describe('toControlRequest', () => {
  it('maps every command to a v1 control request its schema accepts, with the lease epoch', () => {
    const cmds: Command[] = [
      {
        type: 'start',
        app: 'a',
        reason: '',
        hostId: 'h1',
        component: 'c',
        ref: 'r',
        count: 2,
        version: 'v1',
        limits: { memoryMiB: 64 },
      },
      {
        type: 'scale',
        app: 'a',
        reason: '',
        hostId: 'h1',
        component: 'c',
        count: 0,
        version: 'v1',
      },
      { type: 'stop', app: 'a', reason: '', hostId: 'h1', component: 'c' },
      {
        type: 'startProvider',
        app: 'a',
        reason: '',
        hostId: 'h1',
        provider: 'p',
        ref: 'keyvalue',
        config: { a: '1' },
        version: 'v1',
      },
      { type: 'stopProvider', app: 'a', reason: '', hostId: 'h1', provider: 'p' },
      { type: 'putConfig', app: 'a', reason: '', name: 'cfg', values: { k: 'v' } },
      { type: 'deleteConfig', app: 'a', reason: '', name: 'cfg' },
      {
        type: 'putLink',
        app: 'a',
        reason: '',
        link: {
          source: 's',
          target: 't',
          interface: 'wasi:http/incoming-handler',
          name: 'default',
          config: {},
        },
      },
      {
        type: 'deleteLink',
        app: 'a',
        reason: '',
        source: 's',
        interface: 'wasi:http/incoming-handler',
        name: 'default',
      },
    ];
    const schemaFor = {
      'component.start': schemas.ComponentStartRequest,
      'component.scale': schemas.ComponentScaleRequest,
      'component.stop': schemas.ComponentStopRequest,
      'provider.start': schemas.ProviderStartRequest,
      'provider.stop': schemas.ProviderStopRequest,
      'config.put': schemas.ConfigPutRequest,
      'config.del': schemas.ConfigDeleteRequest,
      'link.put': schemas.Link,
      'link.del': schemas.LinkDeleteRequest,
    } as const;
    for (const c of cmds) {
      const req = toControlRequest(c, 7);
      const schema = schemaFor[req.verb as keyof typeof schemaFor];
      assert.ok(schema, req.verb);
      const parsed = schema.safeParse(req.body);
      assert.ok(parsed.success, `${req.verb}: ${parsed.error?.message ?? ''}`);
      if ('hostId' in c) assert.equal(req.hostId, c.hostId);
      if (req.verb.startsWith('component.')) assert.equal(req.body.epoch, 7);
    }
  });
});

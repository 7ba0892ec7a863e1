import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderServerConfig } from './config.ts';
import { planDeployment, type DeploymentOptions } from './deployment.ts';

const base = (over: Partial<DeploymentOptions> = {}): DeploymentOptions => ({
  topology: 'cluster',
  clouds: ['aws', 'gcp', 'azure'],
  network: { kind: 'dns', domain: 'nats.example.com' },
  paths: {
    store: (n) => `/var/lib/nats/${n}/js`,
    resolver: (n) => `/var/lib/nats/${n}/jwt`,
    leafCreds: (l) => `/etc/nats/creds/${l}/leaf.creds`,
    tls: {
      ca: '/etc/nats/ca.pem',
      cert: (n) => `/etc/nats/${n}.pem`,
      key: (n) => `/etc/nats/${n}-key.pem`,
    },
  },
  operator: { jwt: 'OPJWT', systemAccount: 'ASYS', accounts: { ASYS: 'SYSJWT', APAY: 'PAYJWT' } },
  lattices: { pay: 'APAY' },
  websocket: false,
  ...over,
});

describe('deployment planning', () => {
  it('cluster: one stretched cluster, every route over TLS, JetStream and a full resolver everywhere', () => {
    const servers = planDeployment(base());
    assert.deepEqual(
      servers.map((s) => [s.name, s.cloud, s.clientUrl]),
      [
        ['aws', 'aws', 'tls://aws.nats.example.com:4222'],
        ['gcp', 'gcp', 'tls://gcp.nats.example.com:4222'],
        ['azure', 'azure', 'tls://azure.nats.example.com:4222'],
      ],
    );
    for (const s of servers) {
      assert.equal(s.spec.cluster?.name, 'aloft');
      assert.deepEqual(s.spec.cluster?.routes, [
        'aws.nats.example.com:6222',
        'gcp.nats.example.com:6222',
        'azure.nats.example.com:6222',
      ]);
      assert.equal(s.spec.cluster?.tls?.certFile, `/etc/nats/${s.name}.pem`);
      assert.equal(s.spec.tls?.caFile, '/etc/nats/ca.pem');
      assert.deepEqual(s.spec.operator?.resolver, {
        type: 'full',
        dir: `/var/lib/nats/${s.name}/jwt`,
      });
      assert.equal(s.spec.host, '0.0.0.0');
      assert.deepEqual(s.spec.tags, [`cloud:${s.cloud}`]);
      assert.equal(s.spec.jetstream?.uniqueTag, 'cloud:', 'one replica per cloud');
      assert.equal(s.spec.gateway, undefined);
    }
  });

  it('supercluster: a cluster per cloud, gateways to every other cloud', () => {
    const servers = planDeployment(base({ topology: 'supercluster', clouds: ['aws', 'gcp'] }));
    assert.deepEqual(
      servers.map((s) => s.name),
      ['aws-1', 'aws-2', 'aws-3', 'gcp-1', 'gcp-2', 'gcp-3'],
    );
    const aws1 = servers[0]?.spec;
    assert.equal(aws1?.cluster?.name, 'aws');
    assert.equal(aws1?.cluster?.routes.length, 3);
    assert.ok(aws1?.cluster?.routes.every((r) => r.startsWith('aws-')));
    assert.deepEqual(aws1?.gateway?.gateways, [
      {
        name: 'gcp',
        urls: [
          'gcp-1.nats.example.com:7222',
          'gcp-2.nats.example.com:7222',
          'gcp-3.nats.example.com:7222',
        ],
      },
    ]);
    assert.throws(() => planDeployment(base({ topology: 'supercluster', serversPerCloud: 1 })), {
      code: 'INVALID_INPUT',
      message: /at least 2 servers per cloud/,
    });
  });

  it('leaf: a hub with a JetStream domain; edge servers bind each lattice account to it', () => {
    const servers = planDeployment(base({ topology: 'leaf', clouds: ['aws', 'gcp'] }));
    const hubs = servers.filter((s) => s.kind === 'server');
    const edges = servers.filter((s) => s.kind === 'leaf');
    assert.deepEqual(
      edges.map((s) => s.name),
      ['aws-edge', 'gcp-edge'],
    );
    for (const h of hubs) {
      assert.equal(h.spec.jetstream?.domain, 'hub');
      assert.equal(h.spec.leafnodes?.port, 7422);
    }
    for (const e of edges) {
      assert.equal(e.spec.jetstream, undefined, 'edges keep no state of their own');
      assert.deepEqual(e.spec.operator?.resolver, { type: 'memory' });
      assert.deepEqual(e.spec.leafnodes?.remotes, [
        {
          urls: ['aws.nats.example.com:7422', 'gcp.nats.example.com:7422'],
          account: 'APAY',
          credentials: '/etc/nats/creds/pay/leaf.creds',
          tls: {
            caFile: '/etc/nats/ca.pem',
            certFile: `/etc/nats/${e.name}.pem`,
            keyFile: `/etc/nats/${e.name}-key.pem`,
          },
        },
      ]);
    }
  });

  it('loopback: every server on 127.0.0.1 with its own ports; bad names are refused', () => {
    let next = 20000;
    const ports = new Map<string, number>();
    const servers = planDeployment(
      base({
        network: {
          kind: 'loopback',
          ports: (n) => {
            const p = ports.get(n) ?? (next += 10);
            ports.set(n, p);
            return {
              client: p,
              http: p + 1,
              cluster: p + 2,
              gateway: p + 3,
              leaf: p + 4,
              websocket: p + 5,
            };
          },
        },
      }),
    );
    assert.deepEqual(servers[0]?.spec.cluster?.routes, [
      '127.0.0.1:20012',
      '127.0.0.1:20022',
      '127.0.0.1:20032',
    ]);
    assert.equal(servers[1]?.clientUrl, 'tls://127.0.0.1:20020');
    assert.throws(
      () => planDeployment(base({ clouds: ['AWS'] })),
      /invalid cloud or site name "AWS"/,
    );
    assert.throws(() => planDeployment(base({ clouds: [] })), /no clouds/);
  });
});

describe('server config rendering', () => {
  const has = (text: string, block: string): void =>
    assert.ok(text.includes(block), `missing:\n${block}\nin:\n${text}`);

  it('renders operator auth, TLS on every listener, leaf remotes and the liveness settings', () => {
    const [hub] = planDeployment(base({ topology: 'leaf', clouds: ['aws'], websocket: true }));
    const text = renderServerConfig(hub?.spec ?? { name: 'x', port: 0, httpPort: 0 });
    has(text, 'ping_interval: "1s"\nping_max: 2\nwrite_deadline: "2s"');
    has(text, 'operator: "OPJWT"\nsystem_account: "ASYS"');
    has(
      text,
      [
        'resolver {',
        '  type: full',
        '  dir: "/var/lib/nats/aws/jwt"',
        '  allow_delete: false',
      ].join('\n'),
    );
    has(text, ['resolver_preload {', '  ASYS: "SYSJWT"', '  APAY: "PAYJWT"', '}'].join('\n'));
    has(text, 'jetstream {\n  domain: "hub"');
    has(
      text,
      [
        'websocket {',
        '  listen: "0.0.0.0:8443"',
        '  tls {',
        '    cert_file: "/etc/nats/aws.pem"',
      ].join('\n'),
    );
    has(text, ['leafnodes {', '  listen: "0.0.0.0:7422"', '  tls {'].join('\n'));
    assert.equal(text.match(/verify: true/g)?.length, 2, 'client and leaf listeners verify peers');
    const edge = planDeployment(base({ topology: 'leaf', clouds: ['aws'] })).find(
      (s) => s.kind === 'leaf',
    );
    const edgeText = renderServerConfig(edge?.spec ?? { name: 'x', port: 0, httpPort: 0 });
    has(
      edgeText,
      [
        '  remotes: [',
        '    {',
        '      urls: ["tls://aws.nats.example.com:7422"]',
        '      account: "APAY"',
        '      credentials: "/etc/nats/creds/pay/leaf.creds"',
        '      tls {',
      ].join('\n'),
    );
    has(edgeText, 'resolver: MEMORY');
  });
});

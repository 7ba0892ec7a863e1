import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import {
  connectLattice,
  latticeJetStream,
  type LatticeConnectionOptions,
} from '../../src/lattice/index.ts';
import {
  monitor,
  createCertificateAuthority,
  findNatsServer,
  isAlive,
  issueCertificate,
  jetStreamLeader,
  leafCount,
  routeCount,
  startNatsServer,
  type NatsServer,
} from '../../src/nats/index.ts';
import { pollUntil } from '../../src/support/index.ts';
import { aloft } from '../support/cli.ts';
import { spawnHost } from '../support/hosts.ts';
import { tempDir } from '../support/tmp.ts';

interface Clients {
  urls: Record<string, string[]>;
  jsDomain?: string;
  tlsCa?: string;
  lattices: Record<string, Record<string, { creds: string; cert?: string; key?: string }>>;
  servers: { name: string; cloud: string; kind: string; config: string; url: string }[];
}

/** `aloft nats config` for real: configs the real nats-server accepts, started and used. */
describe('aloft nats config', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-nats-config-');
  const pids: number[] = [];
  after(() => {
    dir.remove();
    assert.deepEqual(pids.filter(isAlive), [], 'nats-server processes left behind');
  });

  const generate = async (
    name: string,
    args: string[],
  ): Promise<{ out: string; clients: Clients }> => {
    const out = join(dir.path, name);
    const r = await aloft(['nats', 'config', '--out', out, ...args]);
    assert.equal(r.code, 0, r.stderr);
    return { out, clients: JSON.parse(readFileSync(join(out, 'clients.json'), 'utf8')) as Clients };
  };
  const start = async (out: string, clients: Clients): Promise<NatsServer[]> => {
    const servers = await Promise.all(
      clients.servers.map((s) =>
        startNatsServer(
          { name: s.name, port: 0, httpPort: 0 },
          { dir: join(out, 'run', s.name), configFile: join(out, s.config) },
        ),
      ),
    );
    pids.push(...servers.map((s) => s.pid));
    return servers;
  };
  const open: NatsConnection[] = [];
  const stopAll = async (servers: NatsServer[]): Promise<void> => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
  };
  const jetStreamReady = (servers: NatsServer[]): Promise<true> =>
    pollUntil(
      async () => {
        for (const s of servers) if (!(await jetStreamLeader(s.monitorUrl))) return undefined;
        return true as const;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'a JetStream meta leader' },
    );
  const as = async (
    out: string,
    clients: Clients,
    role: string,
    servers: string[],
    extra: Partial<LatticeConnectionOptions> = {},
  ): Promise<NatsConnection> => {
    const f = clients.lattices.default?.[role];
    assert.ok(f, role);
    const nc = await connectLattice({
      servers,
      credsFile: join(out, f.creds),
      connectTimeoutMs: 3000,
      ...(clients.jsDomain ? { jsDomain: clients.jsDomain } : {}),
      ...(f.cert && clients.tlsCa
        ? {
            tls: {
              caFile: join(out, clients.tlsCa),
              certFile: join(out, f.cert),
              keyFile: join(out, f.key ?? ''),
            },
          }
        : {}),
      ...extra,
    });
    open.push(nc);
    return nc;
  };

  it('every topology, with TLS everywhere, yields configs nats-server -t accepts; secrets are 0600', async () => {
    const binary = findNatsServer();
    for (const topology of ['single', 'cluster', 'supercluster', 'leaf']) {
      const { out, clients } = await generate(`dns-${topology}`, [
        '--topology',
        topology,
        '--tls',
        '--websocket',
        '--domain',
        'nats.example.com',
        '--server-root',
        join(dir.path, `dns-${topology}`),
        '--lattices',
        topology === 'cluster' ? 'default,payments' : 'default',
      ]);
      const expected = { single: 1, cluster: 3, supercluster: 9, leaf: 6 }[topology];
      assert.equal(clients.servers.length, expected, topology);
      for (const s of clients.servers) {
        const check = spawnSync(binary, ['-t', '-c', join(out, s.config)], { encoding: 'utf8' });
        assert.equal(check.status, 0, `${topology} ${s.name}: ${check.stderr}`);
        assert.match(check.stderr + check.stdout, /is valid/, `${topology} ${s.name}`);
        const conf = readFileSync(join(out, s.config), 'utf8');
        assert.match(conf, /ping_interval: "1s"\nping_max: 2\nwrite_deadline: "2s"/);
        assert.match(conf, /system_account: "A[A-Z0-9]{55}"/);
        assert.match(conf, /verify: true/);
        assert.doesNotMatch(
          conf,
          /(?<![A-Z0-9])S[UAO][A-Z2-7]{56}(?![A-Z0-9])/,
          'no seed in a server config',
        );
      }
      for (const f of [
        ...walk(join(out, 'keys')),
        ...walk(join(out, 'creds')),
        ...walk(join(out, 'tls')).filter((p) => p.endsWith('-key.pem')),
      ]) {
        assert.equal(statSync(f).mode & 0o777, 0o600, f);
      }
    }
  });

  it('refuses bad input with a clear message', async () => {
    const bad = [
      [['--topology', 'mesh'], /unknown topology "mesh"/],
      [['--topology', 'supercluster', '--servers-per-cloud', '1'], /at least 2 servers per cloud/],
      [['--lattices', 'Bad.Name'], /invalid lattice name "Bad.Name"/],
      [['--app-subjects', 'aloft.>'], /reserved for the platform/],
      [['--clouds', 'aws,g c p'], /invalid cloud or site name "g c p"/],
    ] as const;
    for (const [args, message] of bad) {
      const r = await aloft(['nats', 'config', '--out', join(dir.path, 'bad'), ...args]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('cluster over TLS: forms across three clouds, R3 JetStream on role credentials; untrusted clients refused', async () => {
    const { out, clients } = await generate('cluster', [
      '--topology',
      'cluster',
      '--loopback',
      '--tls',
    ]);
    const servers = await start(out, clients);
    try {
      await pollUntil(
        async () => {
          for (const s of servers) {
            if ((await routeCount(s.monitorUrl)) < 2 || !(await jetStreamLeader(s.monitorUrl)))
              return undefined;
          }
          return true;
        },
        { timeoutMs: 20_000, intervalMs: 50, what: 'the TLS cluster to form' },
      );
      const all = Object.values(clients.urls).flat();
      await jetStreamReady(servers);
      const admin = await as(out, clients, 'admin', clients.urls.aws ?? []);
      const kv = await pollUntil(
        () => new Kvm(admin).create('aloft_default_state', { replicas: 3 }).catch(() => undefined),
        { timeoutMs: 10_000, intervalMs: 200, what: 'an R3 bucket' },
      );
      await kv.put('k', 'across clouds');
      assert.equal((await kv.status()).replicas, 3);
      // A real host process and the CLI, over TLS on their roles' credentials and certificates.
      const files = (role: string): string[] => {
        const f = clients.lattices.default?.[role];
        return [
          '--creds',
          join(out, f?.creds ?? ''),
          '--tls-ca',
          join(out, clients.tlsCa ?? ''),
          '--tls-cert',
          join(out, f?.cert ?? ''),
          '--tls-key',
          join(out, f?.key ?? ''),
        ];
      };
      const hostProcess = await spawnHost({
        natsUrls: clients.urls.gcp ?? [],
        lattice: 'default',
        name: 'tls-host',
        dataDir: join(out, 'host'),
        args: files('host'),
      });
      try {
        const listed = await aloft([
          'get',
          'hosts',
          '--json',
          '--nats-url',
          (clients.urls.azure ?? []).join(','),
          ...files('admin'),
        ]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.deepEqual(
          (JSON.parse(listed.stdout) as { hostId: string }[]).map((h) => h.hostId),
          [hostProcess.id],
        );
      } finally {
        await hostProcess.stop();
      }
      const host = await as(out, clients, 'host', clients.urls.azure ?? []);
      assert.equal(
        (await (await new Kvm(host).open('aloft_default_state')).get('k'))?.string(),
        'across clouds',
      );

      // Creds but no client certificate: the TLS handshake fails (mutual TLS).
      const hostCreds = join(out, clients.lattices.default?.host?.creds ?? '');
      await assert.rejects(
        connectLattice({
          servers: all,
          credsFile: hostCreds,
          connectTimeoutMs: 2000,
          tls: { caFile: join(out, clients.tlsCa ?? '') },
        }),
        (err: { code?: string }) =>
          err.code === 'NATS_UNREACHABLE' || err.code === 'NATS_AUTH_FAILED',
      );
      // A certificate from another CA is refused too.
      const rogue = createCertificateAuthority(join(dir.path, 'rogue-ca'), 'Rogue CA');
      const cert = issueCertificate(rogue, 'intruder', { kind: 'client' });
      await assert.rejects(
        connectLattice({
          servers: all,
          credsFile: hostCreds,
          connectTimeoutMs: 2000,
          tls: {
            caFile: join(out, clients.tlsCa ?? ''),
            certFile: cert.certFile,
            keyFile: cert.keyFile,
          },
        }),
        (err: { code?: string }) =>
          err.code === 'NATS_UNREACHABLE' || err.code === 'NATS_AUTH_FAILED',
      );
      // Plain TCP to a TLS listener: refused.
      await assert.rejects(
        connectLattice({
          servers: all.map((u) => u.replace('tls://', 'nats://')),
          credsFile: hostCreds,
          connectTimeoutMs: 2000,
        }),
      );
    } finally {
      await stopAll(servers);
    }
  });

  it('supercluster: gateways join the clouds; a request crosses them', async () => {
    const { out, clients } = await generate('super', [
      '--topology',
      'supercluster',
      '--clouds',
      'aws,gcp',
      '--servers-per-cloud',
      '2',
      '--loopback',
    ]);
    const servers = await start(out, clients);
    try {
      // Each server dials one server of the other cloud (inbound links vary with who picked whom).
      await pollUntil(
        async () => {
          for (const s of servers) {
            const gw = await monitor<{ outbound_gateways?: Record<string, unknown> }>(
              s.monitorUrl,
              'gatewayz',
            );
            if (Object.keys(gw.outbound_gateways ?? {}).length < 1) return undefined;
          }
          return true;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: 'gateways between aws and gcp' },
      );
      await crossTalk(
        await as(out, clients, 'host', clients.urls.gcp ?? []),
        await as(out, clients, 'caller', clients.urls.aws ?? []),
      );
    } finally {
      await stopAll(servers);
    }
  });

  it('leaf: edge sites reach the hub JetStream and each other over leaf links, per account', async () => {
    const { out, clients } = await generate('leaf', [
      '--topology',
      'leaf',
      '--clouds',
      'aws,gcp',
      '--loopback',
      '--tls',
    ]);
    const servers = await start(out, clients);
    try {
      const edges = servers.filter((s) => s.name.endsWith('-edge'));
      assert.equal(edges.length, 2);
      await jetStreamReady(servers.filter((s) => !edges.includes(s)));
      await pollUntil(
        async () => {
          for (const e of edges) if ((await leafCount(e.monitorUrl)) < 1) return undefined;
          return true;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: 'leaf links to the hub' },
      );
      const edgeHost = await as(out, clients, 'host', clients.urls['aws-edge'] ?? []);
      const kv = await pollUntil(
        () =>
          new Kvm(latticeJetStream(edgeHost))
            .create('aloft_default_state', { history: 1 })
            .catch(() => undefined),
        { timeoutMs: 10_000, intervalMs: 200, what: 'a bucket in the hub, from an edge' },
      );
      await kv.put('edge', 'stored in the hub');
      const hubAdmin = await as(out, clients, 'admin', clients.urls.hub ?? []);
      const hubKv = await new Kvm(latticeJetStream(hubAdmin)).open('aloft_default_state');
      // A direct get may be answered by a replica that has not applied the write yet: read until
      // the hub shows it (bounded), which is what this test is about.
      const seen = await pollUntil(async () => (await hubKv.get('edge'))?.string() || undefined, {
        timeoutMs: 5000,
        intervalMs: 100,
        what: 'the edge write, read in the hub',
      });
      assert.equal(seen, 'stored in the hub');
      await crossTalk(edgeHost, await as(out, clients, 'caller', clients.urls['gcp-edge'] ?? []));
    } finally {
      await stopAll(servers);
    }
  });
});

/** A host-role subscriber serves `aloft.default.rpc.echo.any`; a caller elsewhere reaches it. */
async function crossTalk(server: NatsConnection, caller: NatsConnection): Promise<void> {
  const sub = server.subscribe('aloft.default.rpc.echo.any');
  void (async () => {
    for await (const m of sub) m.respond(m.data);
  })();
  await server.flush();
  const reply = await pollUntil(
    () =>
      caller
        .request('aloft.default.rpc.echo.any', 'over the link', { timeout: 500 })
        .catch(() => undefined),
    { timeoutMs: 15_000, intervalMs: 100, what: 'interest to cross the link' },
  );
  assert.equal(reply.string(), 'over the link');
}

function walk(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { jwtAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { createServer } from '@nats-io/nkeys';
import { connect as connectNode } from '@nats-io/transport-node';
import { tabIssuer } from '../../src/browser/index.ts';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { LatticeError } from '../../src/lattice/index.ts';
import {
  connectLattice,
  createCaller,
  decodeCapabilityResult,
  encodeCapabilityCall,
  encodeJson,
  latticeAccount,
  openLatticeState,
  openSecurityState,
  putArtifact,
  request,
  requestJson,
  schemas,
  serveCapability,
  subjectsFor,
  watchHosts,
  type HostsView,
} from '../../src/lattice/index.ts';
import {
  ensureAuth,
  startTopology,
  type AuthMaterial,
  type Topology,
} from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { natsBlobStore, natsKeyValue, natsMessaging } from '../../src/providers/index.ts';
import { openAppStore, startReconciler, type Reconciler } from '../../src/reconciler/index.ts';
import { permissionProbe } from '../support/permissions.ts';
import { example } from '../support/samples.ts';
import { recordEvents, text, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

/**
 * Lattice isolation against a real nats-server in operator mode: one account per lattice (a and
 * b), one user per role, a real host and reconciler of lattice a running on their role's
 * credentials, and the sample echo component deployed through them.
 */
/** The longest lattice name there is: what must still fit a tab's JWT. */
const LONG = 'l'.repeat(32);

describe('NATS accounts and roles', { timeout: 180_000 }, () => {
  const dir = tempDir('aloft-accounts-');
  const s = subjectsFor('a');
  let auth: AuthMaterial;
  let topo: Topology;
  let host: Host;
  let reconciler: Reconciler;
  const conns: NatsConnection[] = [];
  let adminA: NatsConnection;
  let adminB: NatsConnection;
  let view: HostsView;
  const creds = (lattice: 'a' | 'b', role: string): string => {
    const file = auth.creds[lattice]?.[role];
    assert.ok(file, `no ${role} credentials for ${lattice}`);
    return file;
  };
  const connectAs = async (lattice: 'a' | 'b', role: string): Promise<NatsConnection> => {
    const nc = await connectLattice({ servers: topo.urls(), credsFile: creds(lattice, role) });
    conns.push(nc);
    return nc;
  };
  const manifest = (image: string): string => `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: echo-app
  annotations:
    version: v1
spec:
  components:
    - name: echo
      type: component
      properties:
        image: ${image}
      traits:
        - type: spreadscaler
          properties:
            instances: 1
`;

  before(async () => {
    auth = await ensureAuth(join(dir.path, 'auth'), {
      operator: 'aloft-test',
      accounts: [
        { name: 'a', ...withUnrestricted(latticeAccount('a')) },
        { name: 'b', ...latticeAccount('b') },
        { name: LONG, ...latticeAccount(LONG, { roles: [] }) },
      ],
    });
    topo = await startTopology({
      kind: 'single',
      dataDir: join(dir.path, 'nats'),
      websocket: true,
      operator: auth.server,
    });
    adminA = await connectAs('a', 'admin');
    adminB = await connectAs('b', 'admin');
    host = await startHost({
      lattice: 'a',
      servers: topo.urls(),
      credsFile: creds('a', 'host'),
      labels: { cloud: 'aws' },
      name: 'h1',
      cacheDir: join(dir.path, 'cache'),
      security: TEST_TRUST,
    });
    reconciler = await startReconciler({
      nc: await connectAs('a', 'reconciler'),
      lattice: 'a',
      id: 'r1',
    });
    view = await watchHosts(adminA, { lattice: 'a' });
    const image = writeComponent(dir.path, 'echo', await example('echo-as'));
    const apps = await openAppStore(adminA, 'a');
    const stored = await apps.put(manifest(image), 'echo-app.yaml');
    await apps.deploy(stored.app, stored.version);
    await view.waitFor((v) => (v.get(host.id)?.components.echo ?? 0) === 1, 60_000);
  });

  after(async () => {
    await view?.stop();
    await reconciler?.stop();
    await host?.stop(1000);
    await Promise.all(conns.map((c) => c.close()));
    await topo?.destroy();
    dir.remove();
  });

  it('works end to end on role credentials: the reconciler placed echo on the host, a caller calls it', async () => {
    const caller = createCaller(await connectAs('a', 'caller'), { lattice: 'a' });
    const out = await caller.call('echo', 'echo', utf8('through the accounts'), {
      timeoutMs: 5000,
    });
    assert.equal(text(out), 'through the accounts');
  });

  it('host credentials suffice for its providers (KV, blobs, messaging) and for artifacts by digest', async () => {
    const asHost = await connectAs('a', 'host');
    const kv = natsKeyValue({ nc: asHost, lattice: 'a', retryBudgetMs: 2000 });
    await kv.set('orders', 'o-1', utf8('paid'));
    assert.equal(await kv.increment('orders', 'count', 2n), 2n);
    assert.deepEqual((await kv.listKeys('orders')).keys.sort(), ['count', 'o-1']);
    const blobs = natsBlobStore({ nc: asHost, lattice: 'a', retryBudgetMs: 2000 });
    await blobs.put('photos', 'cat.jpg', utf8('meow'));
    await blobs.put('photos', 'cat.jpg', utf8('purr'));
    assert.equal(text((await blobs.get('photos', 'cat.jpg')) ?? utf8('')), 'purr');
    await blobs.close();
    const got = new Promise<string>((resolve) => {
      const sub = asHost.subscribe('counters.changed', { max: 1 });
      void (async () => {
        for await (const m of sub) resolve(m.string());
      })();
    });
    await asHost.flush();
    await natsMessaging({ nc: asHost }).publish({
      subject: 'counters.changed',
      replyTo: undefined,
      body: utf8('x=1'),
    });
    assert.equal(await got, 'x=1');

    // The admin pushes an artifact; the host (on host credentials) fetches it by digest.
    const events = recordEvents(adminA, 'a', ['component_started', 'component_start_failed']);
    const ref = await putArtifact(adminA, 'a', await example('echo-as'));
    await requestJson(
      adminA,
      s.control('component.start', host.id),
      { name: 'echo2', ref, count: 1 },
      schemas.Ack,
      { timeoutMs: 5000 },
    );
    const started = await events.waitFor('component_started', (d) => d.name === 'echo2');
    assert.equal(started.event.data.name, 'echo2');
    events.stop();
    await requestJson(
      adminA,
      s.control('component.stop', host.id),
      { name: 'echo2' },
      schemas.Ack,
      {
        timeoutMs: 5000,
      },
    );
  });

  it('refuses a client without credentials, and credentials of an unknown account', async () => {
    await assert.rejects(connectLattice({ servers: topo.urls(), connectTimeoutMs: 2000 }), {
      code: 'NATS_AUTH_FAILED',
    });
    const strangers = await ensureAuth(join(dir.path, 'strangers'), {
      operator: 'other-operator',
      accounts: [{ name: 'a', ...latticeAccount('a', { roles: ['admin'] }) }],
    });
    await assert.rejects(
      connectLattice({
        servers: topo.urls(),
        credsFile: strangers.creds.a?.admin ?? '',
        connectTimeoutMs: 2000,
      }),
      { code: 'NATS_AUTH_FAILED' },
    );
  });

  it("tenant a cannot subscribe or publish on tenant b's subjects, nor see b's buckets", async () => {
    const bState = await new Kvm(adminB).create('aloft_b_state', { history: 1 });
    await bState.put('config.secret', encodeJson({ password: 'b-only' }));
    const heardByB: string[] = [];
    const bSub = adminB.subscribe('aloft.b.evt.>', {
      callback: (_e, m) => void heardByB.push(m.subject),
    });
    await adminB.flush();

    const probe = permissionProbe(adminA);
    assert.equal(await probe.canSubscribe('aloft.b.>'), false);
    assert.equal(await probe.canSubscribe('aloft.b.evt.host_lost'), false);
    assert.equal(await probe.canSubscribe('aloft.>'), false);
    assert.equal(await probe.canPublish('aloft.b.evt.host_lost'), false);
    assert.equal(await probe.canPublish('aloft.b.ctl.v1.host.stop.NX'), false);
    await assert.rejects(
      request(adminA, 'aloft.b.ctl.v1.link.put', encodeJson({}), { timeoutMs: 2000 }),
      (err: LatticeError) =>
        err.code === 'PERMISSION_DENIED' && /aloft\.b\.ctl\.v1\.link\.put/.test(err.message),
    );
    // Even a user of a's account with no permission limits stays inside a's account.
    const loose = await connectAs('a', 'unrestricted');
    loose.publish('aloft.b.evt.host_lost', '{}');
    await loose.flush();
    const hostB = await connectAs('b', 'host');
    hostB.publish('aloft.b.evt.marker', '{}');
    await hostB.flush();
    await adminB.flush();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(heardByB, ['aloft.b.evt.marker'], `b heard: ${heardByB.join(', ')}`);
    bSub.unsubscribe();

    // JetStream is per account: a's admin lists only a's streams and cannot open b's bucket.
    const names: string[] = [];
    for await (const n of (await jetstreamManager(adminA)).streams.names()) names.push(n);
    assert.ok(names.includes('KV_aloft_a_state'), names.join(','));
    assert.ok(!names.some((n) => n.includes('aloft_b_')), names.join(','));
    const fromA = await new Kvm(adminA).open('aloft_b_state');
    await assert.rejects(fromA.get('config.secret'));
    const looseNames: string[] = [];
    for await (const n of (await jetstreamManager(loose)).streams.names()) looseNames.push(n);
    assert.ok(!looseNames.some((n) => n.includes('aloft_b_')), looseNames.join(','));
  });

  it('host credentials cannot issue control commands; the target host is unchanged', async () => {
    const asHost = await connectAs('a', 'host');
    const events = recordEvents(adminA, 'a', ['component_started', 'host_cordoned']);
    const before = host.inventory();
    const attempts: [string, unknown][] = [
      [s.control('component.start', host.id), { name: 'intruder', ref: '/tmp/x.wasm', count: 1 }],
      [s.control('component.stop', host.id), { name: 'echo' }],
      [s.control('host.cordon', host.id), {}],
      [s.control('host.stop', host.id), {}],
      [s.control('link.put'), { source: 'echo', target: 'kv', interface: 'keyvalue' }],
    ];
    for (const [subject, body] of attempts) {
      await assert.rejects(
        requestJson(asHost, subject, body, schemas.Ack, { timeoutMs: 2000 }),
        (err: LatticeError) => {
          assert.equal(err.code, 'PERMISSION_DENIED');
          assert.match(err.message, /the host credentials of lattice a \(host@a\)/);
          assert.ok(err.message.includes(subject), err.message);
          return true;
        },
      );
    }
    // The same request with admin credentials is accepted (so the refusal was the credentials').
    const ping = await requestJson(
      adminA,
      s.control('host.ping', host.id),
      {},
      schemas.HostSummary,
      {
        timeoutMs: 2000,
      },
    );
    assert.equal(ping.cordoned, false);
    assert.equal(host.state(), 'running');
    assert.deepEqual(host.inventory(), before);
    assert.equal(view.get(host.id)?.components.echo ?? 0, 1);
    assert.deepEqual(
      events.seen.map((e) => e.type),
      [],
    );
    events.stop();
    // A host may still probe another host's liveness (a read-only ping).
    const probeReply = await requestJson(
      asHost,
      s.control('host.ping', host.id),
      {},
      schemas.HostSummary,
      {
        timeoutMs: 2000,
      },
    );
    assert.equal(probeReply.hostId, host.id);
    // ...and cannot touch the deployments or the lease.
    const hostApps = await new Kvm(asHost).open('aloft_a_apps');
    await assert.rejects(hostApps.put('deployment.echo-app', encodeJson({ hijacked: true })));
    const deployment = await (
      await new Kvm(adminA).open('aloft_a_apps')
    ).get('deployment.echo-app');
    assert.ok(deployment && !deployment.string().includes('hijacked'));
  });

  it('host credentials read the lattice policy but cannot write it or the secrets', async () => {
    const asHost = await connectAs('a', 'host');
    const admin = await openSecurityState(adminA, 'a');
    await admin.putPolicy({ trustedIssuers: [], allowUnsigned: false });
    // The running host (on host credentials) read it.
    await admin.ready();
    const hostView = await openSecurityState(asHost, 'a');
    await hostView.ready();
    assert.deepEqual(hostView.policy()?.allowUnsigned, false);
    // A host that could write the policy could make every host run unsigned code: refused.
    await assert.rejects(hostView.putPolicy({ trustedIssuers: [], allowUnsigned: true }));
    const kv = await new Kvm(asHost).open('aloft_a_security');
    await assert.rejects(kv.put('secret.db', encodeJson({ forged: true })));
    await assert.rejects(
      jetstreamManager(asHost).then((m) => m.streams.purge('KV_aloft_a_security')),
    );
    const after = await (await new Kvm(adminA).open('aloft_a_security')).get('policy');
    assert.ok(after && !after.string().includes('"allowUnsigned":true'), 'the policy changed');
    assert.equal(host.inventory().trust?.allowUnsigned, false);
    await hostView.stop();
    await admin.stop();
  });

  it('caller credentials only call: no lattice state, heartbeats, events or control', async () => {
    const asCaller = await connectAs('a', 'caller');
    const probe = permissionProbe(asCaller);
    assert.equal(await probe.canSubscribe(s.heartbeatsAll), false);
    assert.equal(await probe.canSubscribe(s.eventsAll), false);
    assert.equal(await probe.canSubscribe('$KV.aloft_a_state.>'), false);
    assert.equal(await probe.canPublish(s.heartbeat('NFAKEHOST')), false);
    assert.equal(await probe.canPublish(s.event('host_lost')), false);
    assert.equal(await probe.canPublish(s.rpcAny('echo')), true);
    await assert.rejects(openLatticeState(asCaller, 'a'), /permission|Permissions Violation/i);
    await assert.rejects(
      request(asCaller, s.control('host.ping', host.id), encodeJson({}), { timeoutMs: 2000 }),
      { code: 'PERMISSION_DENIED' },
    );
  });

  it('observer credentials read but command nothing; provider credentials serve only capabilities', async () => {
    const asObserver = await connectAs('a', 'observer');
    const inv = await request(asObserver, s.control('host.inventory', host.id), encodeJson({}), {
      timeoutMs: 2000,
    });
    assert.ok(inv.data.length > 0);
    await assert.rejects(
      request(asObserver, s.control('host.drain', host.id), encodeJson({}), { timeoutMs: 2000 }),
      { code: 'PERMISSION_DENIED' },
    );
    const asProvider = await connectAs('a', 'provider');
    serveCapability(asProvider, 'a', 'ext-kv', () => Promise.resolve('served'));
    await asProvider.flush();
    const out = await createCaller(adminA, { lattice: 'a' }).callProvider(
      'ext-kv',
      encodeCapabilityCall({
        component: 'echo',
        interface: 'keyvalue',
        function: 'get',
        args: ['b', 'k'],
        link: { name: 'default', config: {} },
      }),
      { timeoutMs: 3000 },
    );
    assert.equal(decodeCapabilityResult(out), 'served');
    const probe = permissionProbe(asProvider);
    assert.equal(await probe.canSubscribe(s.rpcAny('echo')), false);
    assert.equal(await probe.canSubscribe(s.controlAll), false);
    assert.equal(await probe.canPublish(s.rpcAny('echo')), false);
  });

  it('a tab’s credentials work only over WebSocket, for its own host id, and are refused on control subjects', async () => {
    const issuer = tabIssuer('a', auth.issuers.a?.browser ?? '');
    const tab = createServer();
    const tabId = tab.getPublicKey();
    const other = createServer().getPublicKey();
    const { jwt, inboxPrefix } = await issuer.issue(tabId, 60_000);
    const seed = new TextDecoder().decode(tab.getSeed());
    await assert.rejects(
      connectNode({
        servers: topo.urls(),
        authenticator: jwtAuthenticator(jwt, tab.getSeed()),
        maxReconnectAttempts: 0,
        timeout: 2000,
      }),
      /Authorization Violation/,
      'plain TCP is refused',
    );
    const wsUrl = topo.servers()[0]?.websocketUrl ?? '';
    const result = await wsClient({
      url: wsUrl,
      jwt,
      seed,
      inboxPrefix,
      tries: [
        { kind: 'request', subject: s.control('component.start', host.id) },
        { kind: 'request', subject: s.control('host.ping') },
        { kind: 'request', subject: s.control('host.ping', host.id) },
        { kind: 'request', subject: s.control('link.put') },
        { kind: 'request', subject: 'aloft.b.ctl.v1.host.ping' },
        { kind: 'subscribe', subject: s.control('component.start', tabId) },
        { kind: 'subscribe', subject: s.rpcOnHost('echo', tabId) },
        { kind: 'publish', subject: s.heartbeat(tabId) },
        { kind: 'subscribe', subject: s.control('link.put') },
        { kind: 'subscribe', subject: s.control('component.start', host.id) },
        { kind: 'subscribe', subject: s.rpcOnHost('echo', host.id) },
        { kind: 'subscribe', subject: s.rpcOnHost('echo', other) },
        { kind: 'subscribe', subject: s.rpcAny('echo') },
        { kind: 'publish', subject: s.heartbeat(host.id) },
        { kind: 'subscribe', subject: 'aloft.b.>' },
      ],
    });
    assert.equal(result.connected, true, result.error);
    const [start, scatter, ping, link, otherLattice, ...subs] = result.results;
    for (const refused of [start, scatter, ping, link, otherLattice]) {
      assert.equal(refused?.ok, false);
      assert.equal(refused?.code, 'PERMISSION_DENIED', refused?.message);
    }
    assert.deepEqual(
      subs.map((r) => [r.kind, r.subject, r.ok]),
      [
        ['subscribe', s.control('component.start', tabId), true],
        ['subscribe', s.rpcOnHost('echo', tabId), true],
        ['publish', s.heartbeat(tabId), true],
        ['subscribe', s.control('link.put'), false],
        ['subscribe', s.control('component.start', host.id), false],
        ['subscribe', s.rpcOnHost('echo', host.id), false],
        ['subscribe', s.rpcOnHost('echo', other), false],
        ['subscribe', s.rpcAny('echo'), false],
        ['publish', s.heartbeat(host.id), false],
        ['subscribe', 'aloft.b.>', false],
      ],
      'a tab receives what is addressed to its own host id: no other host, queue group or lattice',
    );
  });

  it('a tab’s JWT fits the CONNECT line with a 32-character lattice name', async () => {
    const issuer = tabIssuer(LONG, auth.issuers[LONG]?.browser ?? '');
    const tab = createServer();
    const { jwt, inboxPrefix } = await issuer.issue(tab.getPublicKey(), 60_000);
    const result = await wsClient({
      url: topo.servers()[0]?.websocketUrl ?? '',
      jwt,
      seed: new TextDecoder().decode(tab.getSeed()),
      inboxPrefix,
      tries: [
        { kind: 'subscribe', subject: subjectsFor(LONG).rpcOnHost('echo', tab.getPublicKey()) },
      ],
    });
    assert.equal(result.connected, true, `JWT of ${jwt.length} bytes: ${result.error ?? ''}`);
    assert.equal(result.results[0]?.ok, true);
  });
});

/** Adds a user of the account with no permission limits (signed by its plain signing key). */
function withUnrestricted(plan: ReturnType<typeof latticeAccount>) {
  return { ...plan, users: [...plan.users, { name: 'unrestricted' }] };
}

interface WsResult {
  connected: boolean;
  error?: string;
  results: { subject: string; kind: string; ok: boolean; code?: string; message?: string }[];
}

/** Runs test/support/ws-client.ts (Node 20 has WebSocket only behind a flag). */
function wsClient(plan: {
  url: string;
  credsFile?: string;
  jwt?: string;
  seed?: string;
  inboxPrefix?: string;
  tries: { kind: 'request' | 'subscribe' | 'publish'; subject: string }[];
}): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-websocket',
        '--no-warnings',
        '--import',
        'tsx',
        join(import.meta.dirname, '..', 'support', 'ws-client.ts'),
        JSON.stringify(plan),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as WsResult);
      } catch {
        reject(new Error(`ws client exited ${code}: ${out}\n${err}`));
      }
    });
  });
}

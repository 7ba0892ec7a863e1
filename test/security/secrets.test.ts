// Issue 8 acceptance: named secrets are stored sealed, delivered only to the components and
// providers linked to them, and never appear in events, logs, inventory or status: every message
// published on the lattice's NATS during the test (all subjects, JetStream included), every
// host's log and inventory, and the CLI's output are scanned for the plaintext.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  encodeCapabilityCall,
  openSecurityState,
  subjectsFor,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host, type ProviderFactory } from '../../src/host/index.ts';
import { builtinProviders } from '../../src/providers/index.ts';
import { generateKey } from '../../src/security/index.ts';
import { isAloftError, jsonLogger, pollUntil } from '../../src/support/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { startRedis, type RedisServer } from '../providers/support.ts';
import { aloft } from '../support/cli.ts';
import {
  controlCode,
  recordEvents,
  startAndWait,
  text,
  utf8,
  writeComponent,
} from '../support/lattice.ts';
import { TEST_TRUST } from '../support/signing.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'vault';

/** FNV-1a, as the secrets-as component computes it. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16);
}

describe('secrets', { timeout: 180_000 }, () => {
  const dir = tempDir('aloft-secrets-');
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const secretsKey = generateKey('curve');
  let topo: Topology;
  let nc: NatsConnection;
  let scanner: NatsConnection;
  let redis: RedisServer;
  let app: Host;
  let data: Host;
  let keyless: Host;
  const logs: string[] = [];
  const wire: { subject: string; data: Uint8Array; headers: string }[] = [];
  const cliOutput: string[] = [];
  /** What the recording provider was given, per component. */
  const seenLinkConfig = new Map<string, Record<string, string>>();
  const recorder: ProviderFactory = () =>
    Promise.resolve({
      interfaces: ['keyvalue'],
      handle: (call) => {
        seenLinkConfig.set(call.component, call.linkConfig);
        return Promise.resolve(call.function === 'get' ? undefined : true);
      },
      stop: () => Promise.resolve(),
    });
  const env = (): Record<string, string> => ({
    NATS_URL: topo.urls().join(','),
    ALOFT_LATTICE: lattice,
  });
  const cli = async (args: string[]) => {
    const r = await aloft(args, env());
    cliOutput.push(r.stdout, r.stderr);
    return r;
  };

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    // Everything anyone publishes, on every subject, from the start.
    scanner = await connectLattice({ servers: topo.urls(), name: 'scanner' });
    scanner.subscribe('>', {
      callback: (_e, m) => {
        wire.push({
          subject: m.subject,
          data: m.data.slice(),
          headers: m.headers
            ? [...m.headers.keys()].map((k) => `${k}: ${m.headers?.get(k) ?? ''}`).join('\n')
            : '',
        });
      },
    });
    redis = await startRedis(undefined, ['--requirepass', password]);
    const logger = jsonLogger({ write: (line: string) => logs.push(line) }, 'debug');
    const common = {
      lattice,
      servers: topo.urls(),
      cacheDir: `${dir.path}/cache`,
      logger,
      providerKinds: { ...builtinProviders, recorder },
    };
    const withKey = { ...TEST_TRUST, secretsSeed: secretsKey.seed };
    app = await startHost({ ...common, labels: { role: 'app' }, name: 'app', security: withKey });
    data = await startHost({
      ...common,
      labels: { role: 'data' },
      name: 'data',
      security: withKey,
    });
    keyless = await startHost({ ...common, labels: {}, name: 'keyless', security: TEST_TRUST });
    const policy = await cli(['policy', 'set', '--secrets-recipient', secretsKey.publicKey]);
    assert.equal(policy.code, 0, policy.stderr);
    const redisUrl = `redis://:${password}@127.0.0.1:${redis.port}`;
    writeFileSync(`${dir.path}/redis-url`, redisUrl + '\n');
    const put = await cli(['secret', 'put', 'redis-url', '--value-file', `${dir.path}/redis-url`]);
    assert.equal(put.code, 0, put.stderr);
    const put2 = await aloft(['secret', 'put', 'api-token', '--from-env', 'TOKEN'], {
      ...env(),
      TOKEN: token,
    });
    cliOutput.push(put2.stdout, put2.stderr);
    assert.equal(put2.code, 0, put2.stderr);
  });

  after(async () => {
    await Promise.all([app.stop(1000), data.stop(1000), keyless.stop(1000)]);
    await scanner.close();
    await nc.close();
    await redis.kill();
    await topo.destroy();
    dir.remove();
  });

  const ctl = (verb: Parameters<ReturnType<typeof subjectsFor>['control']>[0], host?: string) =>
    subjectsFor(lattice).control(verb, host);

  it('stores only the sealed form, and lists names without values', async () => {
    const state = await openSecurityState(nc, lattice);
    await state.ready();
    assert.deepEqual(state.secretNames(), ['api-token', 'redis-url']);
    assert.ok(!JSON.stringify(state.secret('api-token')).includes(token));
    await state.stop();
    const list = await cli(['secret', 'list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /api-token/);
    assert.match(list.stdout, /redis-url/);
  });

  it('a provider started with secret:<name> config authenticates with the value; a host without the key refuses', async () => {
    // Without the password redis refuses: the provider really uses the secret.
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = tcpConnect(redis.port, '127.0.0.1', () => sock.write('GET x\r\n'));
      sock.once('data', (d) => {
        resolve(d.toString());
        sock.destroy();
      });
      sock.once('error', reject);
    });
    assert.match(reply, /NOAUTH/);
    const events = recordEvents(nc, lattice, ['provider_started', 'provider_start_failed']);
    const config = { url: 'secret:redis-url' };
    assert.equal(
      (
        await controlCode(nc, ctl('provider.start', data.id), {
          name: 'kv',
          kind: 'keyvalue-redis',
          config,
        })
      ).code,
      undefined,
    );
    await events.waitFor('provider_started', (d) => d.name === 'kv');
    await controlCode(nc, ctl('provider.start', keyless.id), {
      name: 'kv2',
      kind: 'keyvalue-redis',
      config,
    });
    const failed = await events.waitFor('provider_start_failed', (d) => d.name === 'kv2');
    assert.equal(failed.event.data.code, 'SECRET_NO_KEY');
    events.stop();

    const vault = await startAndWait(nc, lattice, app.id, {
      name: 'vault',
      ref: writeComponent(dir.path, 'vault', await signedFixture('secrets-as')),
    });
    assert.equal(vault.outcome, 'component_started', String(vault.data.error));
    assert.equal(
      (
        await controlCode(nc, ctl('link.put'), {
          source: 'vault',
          target: 'kv',
          interface: 'keyvalue',
        })
      ).code,
      undefined,
    );
    await pollUntil(
      () => (app.latticeState.links().some((l) => l.source === 'vault') ? true : undefined),
      { timeoutMs: 5000, what: 'the link' },
    );
    // Component on one host, provider on another: the call crosses NATS, the password does not.
    assert.equal(text(await app.caller.call('vault', 'kv-set', utf8('k=stored'))), '');
    assert.equal(text(await app.caller.call('vault', 'kv-get', utf8('k'))), 'stored');
  });

  it('a component reads a secret through its config; deleted, it is gone', async () => {
    assert.equal(
      (
        await controlCode(nc, ctl('config.put'), {
          name: 'vault',
          values: { token: 'secret:api-token', plain: 'visible' },
        })
      ).code,
      undefined,
    );
    await pollUntil(() => app.latticeState.config('vault')?.token, {
      timeoutMs: 5000,
      what: 'the config',
    });
    assert.equal(
      text(await app.caller.call('vault', 'digest', utf8('token'))),
      `${token.length}:${fnv1a(token)}`,
    );
    assert.equal(
      text(await app.caller.call('vault', 'digest', utf8('plain'))),
      `7:${fnv1a('visible')}`,
    );
    const del = await cli(['secret', 'del', 'api-token']);
    assert.equal(del.code, 0, del.stderr);
    await pollUntil(
      () =>
        app.caller.call('vault', 'digest', utf8('token')).then(
          () => undefined,
          (e: unknown) => (isAloftError(e, 'SECRET_NOT_FOUND') ? true : undefined),
        ),
      { timeoutMs: 5000, what: 'the deleted secret to be refused' },
    );
    const put = await aloft(['secret', 'put', 'api-token', '--from-env', 'TOKEN'], {
      ...env(),
      TOKEN: token,
    });
    cliOutput.push(put.stdout, put.stderr);
    assert.equal(put.code, 0);
  });

  it("a link's secret reaches the provider serving that link, on its own host; a forged call gets none", async () => {
    const events = recordEvents(nc, lattice, ['provider_started']);
    await controlCode(nc, ctl('provider.start', data.id), { name: 'rec', kind: 'recorder' });
    await events.waitFor('provider_started', (d) => d.name === 'rec');
    events.stop();
    const v2 = await startAndWait(nc, lattice, app.id, {
      name: 'vault2',
      ref: writeComponent(dir.path, 'vault2', await signedFixture('secrets-as')),
    });
    assert.equal(v2.outcome, 'component_started');
    const link = {
      source: 'vault2',
      target: 'rec',
      interface: 'keyvalue',
      config: { auth: 'secret:api-token', zone: 'eu' },
    };
    assert.equal((await controlCode(nc, ctl('link.put'), link)).code, undefined);
    await pollUntil(
      () =>
        data.latticeState.links().some((l) => l.source === 'vault2') &&
        app.latticeState.links().some((l) => l.source === 'vault2')
          ? true
          : undefined,
      { timeoutMs: 5000, what: 'the link' },
    );
    await app.caller.call('vault2', 'kv-set', utf8('a=b'));
    assert.deepEqual(seenLinkConfig.get('vault2'), { auth: token, zone: 'eu' });
    // Someone with call credentials forges a capability call naming the secret: refused.
    const forged = await nc.request(
      subjectsFor(lattice).capabilityAny('rec'),
      encodeCapabilityCall({
        component: 'intruder',
        interface: 'keyvalue',
        function: 'set',
        args: ['b', 'k', utf8('v')],
        link: { name: 'default', config: { auth: 'secret:api-token' } },
      }),
      { timeout: 3000 },
    );
    assert.equal(forged.headers?.get('Aloft-Error-Code'), 'SECRET_DENIED');
    assert.equal(seenLinkConfig.has('intruder'), false);
  });

  it('no plaintext anywhere: every NATS message, host logs, inventories, events and CLI output', async () => {
    // A decoy published like any message: the scan must find it, or it scans nothing.
    const decoy = `decoy-${randomBytes(8).toString('hex')}`;
    nc.publish(`aloft.${lattice}.evt.decoy`, utf8(decoy));
    await nc.flush();
    await scanner.flush();
    await pollUntil(() => (wire.some((m) => text(m.data) === decoy) ? true : undefined), {
      timeoutMs: 2000,
      what: 'the decoy',
    });
    const inventories = [app, data, keyless].map((h) => JSON.stringify(h.inventory()));
    const haystacks: [string, string][] = [
      ...wire.map((m): [string, string] => [
        `NATS ${m.subject}`,
        Buffer.from(m.data).toString('latin1') + m.headers,
      ]),
      ...logs.map((l): [string, string] => ['host log', l]),
      ...inventories.map((i): [string, string] => ['inventory', i]),
      ...cliOutput.map((o): [string, string] => ['CLI output', o]),
    ];
    assert.ok(wire.length > 200, `only ${wire.length} messages were recorded`);
    assert.ok(
      wire.some((m) => m.subject.startsWith('$KV.aloft_vault_security.secret.')),
      'the sealed secrets were seen on the wire',
    );
    assert.ok(
      wire.some((m) => m.subject.startsWith('aloft.vault.cap.kv.')),
      'capability calls were seen on the wire',
    );
    for (const secret of [password, token]) {
      const b64 = Buffer.from(secret).toString('base64').slice(0, 16);
      for (const [where, hay] of haystacks) {
        assert.ok(!hay.includes(secret), `the secret appeared in ${where}`);
        assert.ok(!hay.includes(b64), `the secret appeared base64-encoded in ${where}`);
      }
    }
  });
});

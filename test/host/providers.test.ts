import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, encodeJson, subjectsFor } from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host, type ProviderFactory } from '../../src/host/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { recordEvents, startComponent, text, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'prov';

/** A key-value provider kept in a Map: enough to follow calls through links, hosts and NATS. */
const mapKv: ProviderFactory = () => {
  const data = new Map<string, Uint8Array>();
  const calls: string[] = [];
  return Promise.resolve({
    interfaces: ['keyvalue'],
    handle: (call) => {
      calls.push(call.function);
      const [bucket, key, value] = call.args as [string, string, Uint8Array | bigint];
      const k = `${call.linkConfig.prefix ?? ''}${bucket}/${key}`;
      switch (call.function) {
        case 'get':
          return Promise.resolve(data.get(k));
        case 'set':
          data.set(k, value as Uint8Array);
          return Promise.resolve(undefined);
        case 'increment': {
          const n = BigInt(new TextDecoder().decode(data.get(k) ?? utf8('0'))) + (value as bigint);
          data.set(k, utf8(String(n)));
          return Promise.resolve(n);
        }
        default:
          return Promise.reject(new Error(`unsupported ${call.function}`));
      }
    },
    stop: () => Promise.resolve(),
  });
};

describe('providers behind links, local and remote', { timeout: 120_000 }, () => {
  const dir = tempDir('aloft-prov-');
  let topo: Topology;
  let nc: NatsConnection;
  let a: Host;
  let b: Host;
  let ref: string;

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    const common = {
      lattice,
      servers: topo.urls(),
      cacheDir: `${dir.path}/cache`,
      providerKinds: { 'map-kv': mapKv },
      security: TEST_TRUST,
    };
    a = await startHost({ ...common, labels: { cloud: 'aws' }, name: 'a' });
    b = await startHost({ ...common, labels: { cloud: 'gcp' }, name: 'b' });
    ref = writeComponent(dir.path, 'probe', await signedFixture('probe-as'));
  });

  after(async () => {
    await Promise.all([a.stop(1000), b.stop(1000)]);
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  async function ctl(
    verb: Parameters<ReturnType<typeof subjectsFor>['control']>[0],
    body: unknown,
    hostId?: string,
  ) {
    const reply = await nc.request(subjectsFor(lattice).control(verb, hostId), encodeJson(body), {
      timeout: 5000,
    });
    assert.equal(reply.headers?.get('Aloft-Error') ?? '', '', `${verb} failed`);
  }

  it('a call through an unlinked import names the missing link and the command that creates it', async () => {
    const events = recordEvents(nc, lattice, ['component_started']);
    await startComponent(nc, lattice, a.id, { name: 'unlinked', ref });
    await events.waitFor('component_started', (d) => d.name === 'unlinked');
    events.stop();
    await assert.rejects(
      a.caller.call('unlinked', 'kv-get', utf8('k')),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'LINK_MISSING');
        assert.match(
          err.message,
          /unlinked has no link for keyvalue.*aloft link put unlinked <provider> --interface keyvalue/,
        );
        return true;
      },
    );
  });

  it('component on one host, provider on another: calls cross the lattice; then same-host in-process', async () => {
    const events = recordEvents(nc, lattice, ['component_started', 'provider_started']);
    await ctl('provider.start', { name: 'kv', kind: 'map-kv' }, b.id);
    await events.waitFor('provider_started', (d) => d.hostId === b.id);
    await startComponent(nc, lattice, a.id, { name: 'app', ref });
    await events.waitFor('component_started', (d) => d.name === 'app');
    await ctl('link.put', {
      source: 'app',
      target: 'kv',
      interface: 'aloft:platform/keyvalue',
      config: { prefix: 'p1:' },
    });
    await a.view.waitFor((v) => v.get(b.id)?.providers.includes('kv') ?? false, 5000);
    // The link reaches host a through its watch of the state bucket.
    await new Promise<void>((resolve) => {
      const has = (): boolean => a.latticeState.links().some((l) => l.source === 'app');
      if (has()) return resolve();
      const off = a.latticeState.onChange(() => {
        if (!has()) return;
        off();
        resolve();
      });
    });
    await a.caller.call('app', 'kv-set', utf8('color=blue'));
    assert.equal(text(await a.caller.call('app', 'kv-get', utf8('color'))), 'blue');
    assert.equal(text(await a.caller.call('app', 'kv-incr', utf8('n'))), '1');
    assert.equal(text(await a.caller.call('app', 'kv-incr', utf8('n'))), '2');
    const inv = b.inventory();
    assert.deepEqual(
      inv.providers.map((p) => [p.name, p.kind]),
      [['kv', 'map-kv']],
    );

    // Now a provider named "kv" on host a as well: the call stays in-process (no capability message).
    await ctl('provider.start', { name: 'kv', kind: 'map-kv' }, a.id);
    await events.waitFor('provider_started', (d) => d.hostId === a.id);
    const before = a.nc.stats().outMsgs;
    await a.caller.call('app', 'kv-set', utf8('local=yes'));
    assert.equal(text(await a.caller.call('app', 'kv-get', utf8('local'))), 'yes');
    assert.ok(a.nc.stats().outMsgs - before < 3, 'no NATS messages for same-host capability calls');
    events.stop();
  });

  it('a link changed or deleted at run time governs the very next capability call', async () => {
    // Hosts keep each link they looked up until the links change: the change must reach them.
    const untilLink = (ok: (prefix: string | undefined) => boolean): Promise<void> =>
      new Promise<void>((resolve) => {
        const check = (): boolean => {
          const l = a.latticeState.links().find((x) => x.source === 'app');
          return ok(l ? (l.config.prefix ?? '') : undefined);
        };
        if (check()) return resolve();
        const off = a.latticeState.onChange(() => {
          if (!check()) return;
          off();
          resolve();
        });
      });
    assert.equal(text(await a.caller.call('app', 'kv-get', utf8('local'))), 'yes');
    await ctl('link.put', {
      source: 'app',
      target: 'kv',
      interface: 'aloft:platform/keyvalue',
      config: { prefix: 'p2:' },
    });
    await untilLink((prefix) => prefix === 'p2:');
    await assert.rejects(a.caller.call('app', 'kv-get', utf8('local')), /NOT_FOUND|no key local/);
    await a.caller.call('app', 'kv-set', utf8('local=again'));
    assert.equal(text(await a.caller.call('app', 'kv-get', utf8('local'))), 'again');
    await ctl('link.del', { source: 'app', interface: 'aloft:platform/keyvalue' });
    await untilLink((prefix) => prefix === undefined);
    await assert.rejects(a.caller.call('app', 'kv-get', utf8('local')), /LINK_MISSING|no link/);
  });

  it('an unknown provider kind is refused with the kinds that exist', async () => {
    const reply = await nc.request(
      subjectsFor(lattice).control('provider.start', a.id),
      encodeJson({ name: 'x', kind: 'nope' }),
      { timeout: 3000 },
    );
    assert.equal(reply.headers?.get('Aloft-Error-Code'), 'PROVIDER_UNKNOWN');
    assert.match(reply.headers?.get('Aloft-Error') ?? '', /available: map-kv/);
  });
});

// logging and config are provider kinds like the others: built-in defaults serve components that
// have no link for them, and a link swaps in another provider (built-in or external).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  serveCapability,
  subjectsFor,
  type CapabilityCall,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { control } from '../support/counter-app.ts';
import { recordEvents, startComponent, text, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'logcfg';

/** Resolves once `pred` holds on the host's view of the lattice state (links, named config). */
function stateWhere(host: Host, pred: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (pred()) return resolve();
    const off = host.latticeState.onChange(() => {
      if (!pred()) return;
      off();
      resolve();
    });
  });
}

/** The next message on `subject`, decoded as JSON. */
function nextJson(nc: NatsConnection, subject: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    nc.subscribe(subject, {
      max: 1,
      callback: (_e, m) => resolve(m.json<Record<string, unknown>>()),
    });
  });
}

describe(
  'logging and config providers: defaults, links, run-time updates',
  { timeout: 120_000 },
  () => {
    const dir = tempDir('aloft-logcfg-');
    let topo: Topology;
    let nc: NatsConnection;
    let a: Host;
    let b: Host;
    const ctl = (verb: Parameters<typeof control>[2], body: unknown, hostId?: string) =>
      control(nc, lattice, verb, body, hostId);

    before(async () => {
      topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
      nc = await connectLattice({ servers: topo.urls() });
      const common = {
        lattice,
        servers: topo.urls(),
        cacheDir: `${dir.path}/cache`,
        security: TEST_TRUST,
      };
      a = await startHost({ ...common, labels: { cloud: 'aws' }, name: 'a' });
      b = await startHost({ ...common, labels: { cloud: 'gcp' }, name: 'b' });
      const ref = writeComponent(dir.path, 'probe', await signedFixture('probe-as'));
      const events = recordEvents(nc, lattice, ['component_started']);
      await startComponent(nc, lattice, a.id, { name: 'plain', ref });
      await startComponent(nc, lattice, a.id, { name: 'linked', ref });
      await events.waitFor('component_started', (d) => d.name === 'plain');
      await events.waitFor('component_started', (d) => d.name === 'linked');
      events.stop();
    });

    after(async () => {
      await Promise.all([a.stop(1000), b.stop(1000)]);
      await nc.close();
      await topo.destroy();
      dir.remove();
    });

    it('without links: logs reach the lattice log subject, config is the named config of the component, updated at run time', async () => {
      const line = nextJson(nc, subjectsFor(lattice).logs('plain'));
      await nc.flush();
      await a.caller.call('plain', 'log', utf8('hello from plain'));
      const got = await line;
      assert.equal(got.msg, 'hello from plain');
      assert.equal(got.level, 'info');
      assert.equal(got.context, 'probe');
      assert.equal(got.hostId, a.id);
      assert.equal(got.cloud, 'aws');

      await assert.rejects(a.caller.call('plain', 'config', utf8('color')), /CONFIG_MISSING/);
      await ctl('config.put', { name: 'plain', values: { color: 'blue' } });
      await stateWhere(a, () => a.latticeState.config('plain')?.color === 'blue');
      assert.equal(text(await a.caller.call('plain', 'config', utf8('color'))), 'blue');
      // Updated while the component runs: the next call sees the new value, no restart.
      await ctl('config.put', { name: 'plain', values: { color: 'green' } });
      await stateWhere(a, () => a.latticeState.config('plain')?.color === 'green');
      assert.equal(text(await a.caller.call('plain', 'config', utf8('color'))), 'green');
    });

    it('links swap in other providers: an external logging provider, a remote config-lattice merging named configs', async () => {
      // An external logging provider in this process, reached over NATS like any other.
      const received: CapabilityCall[] = [];
      let gotLine: () => void = () => undefined;
      const subs = serveCapability(nc, lattice, 'audit-log', (call) => {
        received.push(call);
        gotLine();
        return Promise.resolve(undefined);
      });
      const events = recordEvents(nc, lattice, ['provider_started']);
      await ctl('provider.start', { name: 'cfg', kind: 'config-lattice' }, b.id);
      await events.waitFor('provider_started', (d) => d.name === 'cfg');
      events.stop();
      await ctl('config.put', { name: 'shared', values: { color: 'red', size: 'L' } });
      await ctl('config.put', { name: 'linked', values: { color: 'teal' } });
      await ctl('link.put', { source: 'linked', target: 'audit-log', interface: 'logging' });
      await ctl('link.put', {
        source: 'linked',
        target: 'cfg',
        interface: 'wasi:config/store',
        config: { names: 'shared,linked' },
      });
      await stateWhere(
        a,
        () =>
          a.latticeState.links().filter((l) => l.source === 'linked').length === 2 &&
          a.latticeState.config('linked') !== undefined &&
          a.latticeState.config('shared') !== undefined,
      );
      await a.view.waitFor((v) => v.get(b.id)?.providers.includes('cfg') ?? false, 5000);

      let defaultLines = 0;
      const watch = nc.subscribe(subjectsFor(lattice).logs('linked'), {
        callback: () => {
          defaultLines++;
        },
      });
      const arrived = new Promise<void>((r) => (gotLine = r));
      await a.caller.call('linked', 'log', utf8('to the audit log'));
      await arrived;
      assert.deepEqual(
        received.map((c) => [c.component, c.interface, c.function, c.args]),
        [['linked', 'logging', 'log', ['info', 'probe', 'to the audit log']]],
      );
      await nc.flush();
      assert.equal(defaultLines, 0, 'the default logging provider is not used once a link exists');
      watch.unsubscribe();
      for (const s of subs) s.unsubscribe();

      // Config through the remote config-lattice provider: `shared` then `linked`, later wins.
      assert.equal(text(await a.caller.call('linked', 'config', utf8('color'))), 'teal');
      assert.equal(text(await a.caller.call('linked', 'config', utf8('size'))), 'L');
      await ctl('config.put', { name: 'shared', values: { color: 'red', size: 'XL' } });
      await stateWhere(b, () => b.latticeState.config('shared')?.size === 'XL');
      assert.equal(text(await a.caller.call('linked', 'config', utf8('size'))), 'XL');
      // The other component still reads its own named config through the default.
      assert.equal(text(await a.caller.call('plain', 'config', utf8('color'))), 'green');
    });
  },
);

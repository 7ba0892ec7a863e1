import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, encodeJson, subjectsFor } from '../../src/lattice/index.ts';
import { recordPid, signalPid, startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { recordEvents, startComponent, text, utf8, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'ext';
const example = join(
  import.meta.dirname,
  '..',
  '..',
  'examples',
  'providers',
  'fs-keyvalue',
  'main.ts',
);

describe('an external provider in its own process', { timeout: 120_000 }, () => {
  const dir = tempDir('aloft-ext-');
  let topo: Topology;
  let nc: NatsConnection;
  let host: Host;
  let pid = 0;
  let exited: Promise<unknown>;

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    host = await startHost({
      lattice,
      servers: topo.urls(),
      labels: {},
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        example,
        '--nats-url',
        topo.urls().join(','),
        '--lattice',
        lattice,
        '--name',
        'fs-kv',
        '--dir',
        join(dir.path, 'kv'),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    pid = child.pid ?? 0;
    recordPid(pid, 'fs-keyvalue provider');
    exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((resolve) =>
      createInterface({ input: child.stdout }).once('line', () => resolve()),
    );
  });

  after(async () => {
    signalPid(pid, 'SIGTERM');
    await exited;
    await host.stop(1000);
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  it('serves a component through a link: the data lands in its files', async () => {
    const events = recordEvents(nc, lattice, ['component_started']);
    await startComponent(nc, lattice, host.id, {
      name: 'app',
      ref: writeComponent(dir.path, 'probe', await signedFixture('probe-as')),
    });
    await events.waitFor('component_started', (d) => d.name === 'app');
    events.stop();
    await nc.request(
      subjectsFor(lattice).control('link.put'),
      encodeJson({ source: 'app', target: 'fs-kv', interface: 'keyvalue' }),
      { timeout: 3000 },
    );
    await new Promise<void>((resolve) => {
      const ok = (): boolean => host.latticeState.links().some((l) => l.target === 'fs-kv');
      if (ok()) return resolve();
      const off = host.latticeState.onChange(() => ok() && (off(), resolve()));
    });
    await host.caller.call('app', 'kv-set', utf8('greeting=hello'));
    assert.equal(text(await host.caller.call('app', 'kv-get', utf8('greeting'))), 'hello');
    const file = join(dir.path, 'kv', 'probe', 'greeting');
    assert.ok(existsSync(file), 'stored by the external process');
    assert.equal(readFileSync(file, 'utf8'), 'hello');
  });
});

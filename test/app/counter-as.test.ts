import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice } from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { deployCounterApp, httpCall, type HttpAnswer } from '../support/counter-app.ts';
import { writeComponent } from '../support/lattice.ts';
import { example } from '../support/samples.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

/**
 * The sample app built from AssemblyScript (examples/counter-as) against its TypeScript build
 * (examples/counter): each deployed with the real providers in a lattice of its own, both given
 * the same requests, both must give the same answers and publish the same changes.
 */
describe(
  'sample app, AssemblyScript build: the same HTTP contract as the TypeScript one',
  {
    timeout: 240_000,
  },
  () => {
    const dir = tempDir('aloft-sample-as-');
    let topo: Topology;
    let nc: NatsConnection;
    const hosts: Host[] = [];
    const bases: Record<'ts' | 'as', string> = { ts: '', as: '' };

    before(async () => {
      topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
      nc = await connectLattice({ servers: topo.urls() });
      for (const [build, name] of [
        ['ts', 'counter'],
        ['as', 'counter-as'],
      ] as const) {
        const lattice = `sample${build}`;
        const host = await startHost({
          lattice,
          servers: topo.urls(),
          cacheDir: `${dir.path}/cache-${build}`,
          security: TEST_TRUST,
          labels: {},
          name: `host-${build}`,
        });
        hosts.push(host);
        const ref = writeComponent(dir.path, name, await example(name));
        bases[build] = await deployCounterApp(nc, lattice, {
          providerHost: host.id,
          componentHost: host.id,
          ref,
        });
      }
    });

    after(async () => {
      await Promise.all(hosts.map((h) => h.stop(1000)));
      await nc.close();
      await topo.destroy();
      dir.remove();
    });

    it('answers every route alike and publishes the same change notifications', async () => {
      const changes: string[] = [];
      const sub = nc.subscribe('counters.changed', {
        callback: (_e, m) => {
          changes.push(m.string());
        },
      });
      await nc.flush();
      const script: [string, string][] = [
        ['GET', '/health'],
        ['GET', '/counters/visits'],
        ['POST', '/counters/visits'],
        ['POST', '/counters/visits?source=test'],
        ['POST', '/counters/other_1'],
        ['GET', '/counters/visits'],
        ['GET', '/counters'],
        ['DELETE', '/counters/other_1'],
        ['GET', '/counters'],
        ['GET', '/counters/no.dots'],
        ['GET', '/nope'],
        ['PUT', '/counters/visits'],
      ];
      const answers: Record<'ts' | 'as', HttpAnswer[]> = { ts: [], as: [] };
      for (const build of ['ts', 'as'] as const) {
        for (const [method, path] of script)
          answers[build].push(await httpCall(bases[build], method, path));
      }
      await nc.flush();
      sub.unsubscribe();
      assert.deepEqual(answers.as, answers.ts);
      // The answers themselves, so that two builds wrong alike fail too.
      assert.deepEqual(
        answers.as.map((a) => `${a.status} ${a.body}`),
        [
          '200 "ok"',
          '200 {"name":"visits","value":0}',
          '200 {"name":"visits","value":1}',
          '200 {"name":"visits","value":2}',
          '200 {"name":"other_1","value":1}',
          '200 {"name":"visits","value":2}',
          '200 ["other_1","visits"]',
          '200 {"name":"other_1","deleted":true}',
          '200 ["visits"]',
          '404 {"error":"NOT_FOUND","message":"no route GET /counters/no.dots"}',
          '404 {"error":"NOT_FOUND","message":"no route GET /nope"}',
          '405 {"error":"METHOD_NOT_ALLOWED","message":"PUT"}',
        ],
      );
      const published = ['visits=1', 'visits=2', 'other_1=1'];
      assert.deepEqual(changes, [...published, ...published]);
    });
  },
);

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  subjectsFor,
  watchHosts,
  type HostsView,
} from '../../src/lattice/index.ts';
import { isAlive, startTopology, type Topology } from '../../src/nats/index.ts';
import { leaseStatus, openAppStore, type AppStore } from '../../src/reconciler/index.ts';
import { signedFixture } from '../runtime/fixtures.ts';
import { spawnHost, type HostProcess } from '../support/hosts.ts';
import { writeComponent } from '../support/lattice.ts';
import { spawnReconciler } from '../support/reconciler.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'deploy';

const manifest = (image: string, version: string): string => `
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: echo-app
  annotations:
    version: ${version}
spec:
  components:
    - name: echo
      type: component
      properties:
        image: ${image}
      traits:
        - type: spreadscaler
          properties:
            instances: 6
            spread:
              - name: aws
                requirements:
                  cloud: aws
                weight: 50
              - name: gcp
                requirements:
                  cloud: gcp
                weight: 50
`;

describe('reconciler against real hosts', { timeout: 300_000 }, () => {
  const dir = tempDir('aloft-deploy-');
  let topo: Topology;
  let nc: NatsConnection;
  let view: HostsView;
  let apps: AppStore;
  const hosts: HostProcess[] = [];
  const reconcilers: Awaited<ReturnType<typeof spawnReconciler>>[] = [];

  before(async () => {
    topo = await startTopology({
      kind: 'cluster',
      clouds: ['aws', 'gcp', 'azure'],
      dataDir: `${dir.path}/nats`,
    });
    nc = await connectLattice({ servers: topo.urls() });
    view = await watchHosts(nc, { lattice });
    apps = await openAppStore(nc, lattice);
  });

  after(async () => {
    await Promise.all([...reconcilers.map((r) => r.stop()), ...hosts.map((h) => h.stop())]);
    await view.stop();
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  const spawnIn = async (cloud: 'aws' | 'gcp', name: string): Promise<HostProcess> => {
    const h = await spawnHost({
      natsUrls: topo.urls(cloud),
      lattice,
      name,
      labels: { cloud },
      dataDir: `${dir.path}/${name}`,
    });
    hosts.push(h);
    return h;
  };
  /** Instances of `echo` per cloud and per host, as heartbeats report them. */
  const counts = (): { aws: number; gcp: number; perHost: number[] } => {
    const entries = view.entries();
    const sum = (cloud: string): number =>
      entries
        .filter((e) => e.labels.cloud === cloud)
        .reduce((n, e) => n + (e.components.echo ?? 0), 0);
    return {
      aws: sum('aws'),
      gcp: sum('gcp'),
      perHost: entries.map((e) => e.components.echo ?? 0).filter((n) => n > 0),
    };
  };
  const until = async (what: string, ok: () => boolean, ms: number): Promise<number> => {
    const t0 = performance.now();
    await view.waitFor(ok, ms).catch(() => {
      throw new Error(`${what} not reached within ${ms} ms: ${JSON.stringify(counts())}`);
    });
    return performance.now() - t0;
  };
  const actingReconciler = async (): Promise<string | undefined> =>
    (await leaseStatus(nc, lattice)).find((s) => s.acting)?.id;

  it('6 instances spread 50/50 land 3+3 on distinct hosts; a killed host is replaced; a lost cloud falls back and returns; a killed reconciler is replaced by another of the three', async () => {
    const aws = await Promise.all([
      spawnIn('aws', 'aws-1'),
      spawnIn('aws', 'aws-2'),
      spawnIn('aws', 'aws-3'),
    ]);
    await Promise.all([spawnIn('gcp', 'gcp-1'), spawnIn('gcp', 'gcp-2'), spawnIn('gcp', 'gcp-3')]);
    await until('6 hosts', () => view.entries().length === 6, 20_000);
    const peers = ['r-aws', 'r-gcp', 'r-azure'];
    for (const cloud of ['aws', 'gcp', 'azure'] as const) {
      reconcilers.push(
        await spawnReconciler({ natsUrls: topo.urls(cloud), lattice, id: `r-${cloud}`, peers }),
      );
    }

    const image = writeComponent(dir.path, 'echo', await signedFixture('probe-as'));
    const stored = await apps.put(manifest(image, 'v1'), 'echo-app.yaml');
    await apps.deploy(stored.app);
    const deployMs = await until(
      '3+3 on distinct hosts',
      () => {
        const c = counts();
        return (
          c.aws === 3 && c.gcp === 3 && c.perHost.length === 6 && c.perHost.every((n) => n === 1)
        );
      },
      30_000,
    );
    console.log(`deployed 3+3 in ${Math.round(deployMs)} ms`);

    // SIGKILL one aws host: its instance is replaced within 5 s.
    aws[0]?.signal('SIGKILL');
    const replaceMs = await until(
      'aws back to 3 after a host kill',
      () => counts().aws === 3 && !view.get(aws[0]?.id ?? ''),
      5_000,
    );
    console.log(`killed host's instance replaced after ${Math.round(replaceMs)} ms`);

    // Kill every remaining aws host: the aws spread falls back to gcp hosts within 5 s.
    aws[1]?.signal('SIGKILL');
    aws[2]?.signal('SIGKILL');
    const fallbackMs = await until(
      'fallback: 6 on gcp',
      () => counts().gcp === 6 && counts().aws === 0,
      5_000,
    );
    console.log(`fallback placement after ${Math.round(fallbackMs)} ms`);

    // aws returns: rebalanced to 3+3 within 10 s.
    const back = await Promise.all([
      spawnIn('aws', 'aws-4'),
      spawnIn('aws', 'aws-5'),
      spawnIn('aws', 'aws-6'),
    ]);
    assert.equal(back.length, 3);
    const rebalanceMs = await until(
      'rebalanced 3+3',
      () => counts().aws === 3 && counts().gcp === 3,
      10_000 + 15_000,
    );
    console.log(`rebalanced after ${Math.round(rebalanceMs)} ms (from the hosts' start)`);

    // SIGKILL the acting reconciler: another acts within 5 s, with no duplicate placements.
    const holder = await actingReconciler();
    const acting = reconcilers.find((r) => r.id === holder);
    assert.ok(acting, `a reconciler acts (${holder})`);
    const takeover = new Promise<string>((resolve) => {
      const sub = nc.subscribe(subjectsFor(lattice).event('reconciler_acting'), {
        callback: (_err, m) => {
          const id = (JSON.parse(new TextDecoder().decode(m.data)) as { data: { id: string } }).data
            .id;
          if (id === holder) return;
          sub.unsubscribe();
          resolve(id);
        },
      });
    });
    acting.signal('SIGKILL');
    const killedAt = performance.now();
    const newHolder = await Promise.race([
      takeover,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 8000)),
    ]);
    const takeoverMs = performance.now() - killedAt;
    console.log(
      `${String(newHolder)} acting ${Math.round(takeoverMs)} ms after ${holder} was killed`,
    );
    assert.ok(newHolder, 'another reconciler acts');
    assert.ok(takeoverMs <= 5000, `takeover after ${Math.round(takeoverMs)} ms`);
    // The new leader acts: kill a gcp host and see it replaced.
    const gcpVictim = hosts.find((h) => h.name === 'gcp-1');
    gcpVictim?.signal('SIGKILL');
    await until(
      'gcp back to 3 under the new leader',
      () => counts().gcp === 3 && !view.get(gcpVictim?.id ?? ''),
      8_000,
    );
    const c = counts();
    assert.equal(c.aws + c.gcp, 6, 'no duplicate placements');
    assert.ok(!isAlive(acting.pid));
  });
});

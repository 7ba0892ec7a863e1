import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import {
  bucketsFor,
  connectLattice,
  requestJson,
  schemas,
  subjectsFor,
  watchHosts,
  type HostsView,
} from '../../src/lattice/index.ts';
import {
  deploySample,
  healNetwork,
  netnsUnavailable,
  originClouds,
  partitionCloud,
  readSimState,
  SAMPLE,
  startLoad,
  startSim,
  stopSim,
  type LoadGenerator,
  type RequestResult,
  type SimState,
} from '../../src/sim/index.ts';
import { tempDir } from '../support/tmp.ts';

/** A finished request with its start time (ms on this process's monotonic clock). */
type Seen = RequestResult & { startedAt: number; endedAt: number };

/**
 * Chaos suite, partitions: each cloud in its own network namespace; one cloud's WAN link goes down
 * (a blackhole), under HTTP load from every cloud's ingress, including the isolated one's.
 */
describe('chaos: a cloud is partitioned from the others', { timeout: 400_000 }, async () => {
  const unavailable = await netnsUnavailable();
  const dir = tempDir('aloft-partition-');
  let state: SimState;
  let nc: NatsConnection;
  let load: LoadGenerator;
  const seen: Seen[] = [];
  let served: { majorityFailures: string[]; settledReads: string[]; isolated: string } | undefined;
  const component = SAMPLE.component;

  before(async () => {
    if (unavailable) return;
    state = await startSim({
      clouds: ['aws', 'gcp', 'azure'],
      hostsPerCloud: 2,
      topology: 'cluster',
      lattice: 'sim',
      dataDir: dir.path,
    });
    assert.equal(state.network.mode, 'netns', JSON.stringify(state.network));
    nc = await connectLattice({
      servers: Object.values(state.clouds).flatMap((c) => c.nats.map((n) => n.url)),
    });
    await deploySample(state, nc, undefined, { cacheDir: '.cache/components' });
    load = await startLoad({
      ingress: () => originClouds(readSimState(dir.path)),
      // Reads that need only the component, and increments that need the replicated store.
      requests: [
        { method: 'GET', path: '/health' },
        { method: 'POST', path: '/counters/{origin}' },
      ],
      ratePerCloud: 10,
      maxSeconds: 300,
      timeoutMs: 30_000,
      observe: (r) => {
        const endedAt = performance.now();
        seen.push({ ...r, startedAt: endedAt - r.ms, endedAt });
      },
    });
    await new Promise((r) => setTimeout(r, 3000)); // steady state before the fault
  });

  after(async () => {
    if (unavailable) return;
    await load?.stop();
    await nc?.close();
    if (process.env.ALOFT_KEEP_LOGS) {
      const { cpSync } = await import('node:fs');
      cpSync(`${dir.path}/sim/logs`, process.env.ALOFT_KEEP_LOGS, { recursive: true });
      for (const c of Object.keys(state.clouds))
        cpSync(
          `${dir.path}/sim/nats/${c}/${c}.log`,
          `${process.env.ALOFT_KEEP_LOGS}/nats-${c}.log`,
        );
    }
    await stopSim(dir.path);
    dir.remove();
  });

  it('partition of 1 of 3 clouds: the majority takes over and fences the old epoch, the minority decides nothing and acknowledges no write; after heal duplicates are trimmed and no acknowledged write is lost', async (t) => {
    if (unavailable) return t.skip(`network namespaces are unavailable: ${unavailable}`);
    // Isolate the cloud whose reconciler holds the lease: the hardest case for "stops acting".
    const leases = await new Kvm(nc).open(bucketsFor(state.lattice).lease);
    const lease = async (): Promise<{ holder: string; epoch: number }> => {
      const e = await leases.get('reconciler').catch(() => null);
      return e && e.length > 0
        ? (JSON.parse(e.string()) as { holder: string; epoch: number })
        : { holder: '', epoch: 0 };
    };
    let before = await lease();
    for (let i = 0; i < 100 && !before.holder; i++) {
      await new Promise((r) => setTimeout(r, 100));
      before = await lease();
    }
    const isolated = before.holder.replace(/^reconciler-/, '');
    assert.ok(
      state.clouds[isolated],
      `the lease is held by a cloud's reconciler (${before.holder})`,
    );
    const majority = Object.keys(state.clouds).filter((c) => c !== isolated);
    const urlsOf = (clouds: string[]): string[] =>
      clouds.flatMap((c) => state.clouds[c]?.nats.map((n) => n.url) ?? []);
    // One observer on each side: the majority's view, and the isolated cloud's (reached over its
    // access link, which the partition leaves up).
    const majorityNc = await connectLattice({ servers: urlsOf(majority) });
    const minorityNc = await connectLattice({ servers: urlsOf([isolated]) });
    const majorityView: HostsView = await watchHosts(majorityNc, { lattice: state.lattice });
    const majorityLeases = await new Kvm(majorityNc).open(bucketsFor(state.lattice).lease);
    const majorityLease = async (): Promise<{ holder: string; epoch: number }> => {
      const e = await majorityLeases.get('reconciler').catch(() => null);
      return e && e.length > 0
        ? (JSON.parse(e.string()) as { holder: string; epoch: number })
        : { holder: '', epoch: 0 };
    };
    const minorityView: HostsView = await watchHosts(minorityNc, { lattice: state.lattice });
    const instances = (view: HostsView, cloud?: string): number =>
      view
        .entries()
        .filter((e) => !cloud || e.labels.cloud === cloud)
        .reduce((n, e) => n + (e.components[component] ?? 0), 0);
    const describe = (view: HostsView): string =>
      Object.keys(state.clouds)
        .map(
          (c) =>
            `${c}: ${view.entries().filter((e) => e.labels.cloud === c).length} hosts, ${instances(view, c)} instances`,
        )
        .join('; ');
    const workers = (view: HostsView, cloud: string): number =>
      view.entries().filter((e) => e.labels.cloud === cloud && e.labels.role === 'worker').length;
    // Every control command that reaches the isolated side, and whether it carried a lease epoch.
    const commandsOnMinority: { subject: string; epoch: number | undefined }[] = [];
    const ctl = minorityNc.subscribe(`aloft.${state.lattice}.ctl.>`, {
      callback: (_e, m) => {
        let epoch: number | undefined;
        try {
          epoch = (JSON.parse(new TextDecoder().decode(m.data)) as { epoch?: number }).epoch;
        } catch {
          epoch = undefined;
        }
        commandsOnMinority.push({ subject: m.subject, epoch });
      },
    });
    await majorityView.waitFor((v) => v.entries().length === 9, 10_000);
    await minorityView.waitFor((v) => v.entries().length === 9, 10_000);
    const minorityCountsBefore = instances(minorityView, isolated);
    const countsBefore = new Map(
      majorityView.entries().map((e) => [e.hostId, e.components[component] ?? 0]),
    );

    try {
      const cutAt = performance.now();
      await partitionCloud(dir.path, isolated);
      // The majority notices, takes the lease over and re-places the isolated cloud's share.
      await majorityView
        .waitFor(
          (v) => v.entries().every((e) => e.labels.cloud !== isolated) && instances(v) === 6,
          20_000,
        )
        .catch(async (err: unknown) => {
          throw new Error(
            `majority did not re-place ${isolated}'s share: ${describe(majorityView)}; lease ${JSON.stringify(await majorityLease())}`,
            { cause: err },
          );
        });
      const replacedMs = performance.now() - cutAt;
      let after = await majorityLease();
      while (after.holder === before.holder && performance.now() - cutAt < 20_000) {
        await new Promise((r) => setTimeout(r, 100));
        after = await majorityLease();
      }
      // The isolated side's writes fail after the store's 10 s retry budget, then at once; its
      // instances are free for other work again from then on.
      await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 25_000 - performance.now())));
      const during = seen.filter((s) => s.startedAt >= cutAt);
      const healAt = performance.now();
      const commandsWhilePartitioned = commandsOnMinority.filter((c) => c.epoch !== undefined);
      const minorityCountsDuring = instances(minorityView, isolated);

      // Fencing: a host that took commands from the new holder refuses the deposed holder's epoch.
      const majorityHost = majorityView
        .entries()
        .find((e) => (e.components[component] ?? 0) > (countsBefore.get(e.hostId) ?? 0));
      const stale = await requestJson(
        majorityNc,
        subjectsFor(state.lattice).control('component.scale', majorityHost?.hostId ?? ''),
        // The count it already has: accepted by mistake, it would change nothing.
        { name: component, count: majorityHost?.components[component] ?? 1, epoch: before.epoch },
        schemas.Ack,
        { timeoutMs: 5000 },
      ).then(
        () => 'accepted',
        (err: unknown) => (err as { code?: string }).code ?? String(err),
      );

      await healNetwork(dir.path);
      // Duplicates (the isolated cloud's instances and their replacements) are trimmed back to
      // the preferred placement: two per cloud.
      await majorityView
        .waitFor(
          (v) =>
            workers(v, isolated) === 2 &&
            Object.keys(state.clouds).every((c) => instances(v, c) === 2),
          20_000,
        )
        .catch((err: unknown) => {
          throw new Error(`no preferred placement after heal: ${describe(majorityView)}`, {
            cause: err,
          });
        });
      const trimmedMs = performance.now() - healAt;

      // Let every request in flight finish, then compare acknowledged writes with the store.
      await load.stop();
      const posts = seen.filter((s) => s.method === 'POST');
      const values: Record<string, number> = {};
      for (const cloud of Object.keys(state.clouds)) {
        const ingress = state.clouds[majority[0] ?? '']?.ingress?.url ?? '';
        const res = await fetch(`${ingress}/counters/${cloud}`);
        values[cloud] = ((await res.json()) as { value: number }).value;
      }

      const failed = (s: Seen): boolean => s.status < 200 || s.status > 299;
      const majorityFailures = during.filter((s) => s.origin !== isolated && failed(s));
      const minority = during.filter((s) => s.origin === isolated && s.startedAt >= cutAt + 1000);
      const minorityReads = minority.filter((s) => s.method === 'GET');
      const settledReads = minorityReads.filter((s) => s.startedAt >= cutAt + 14_000);
      const minorityWrites = minority.filter((s) => s.method === 'POST');
      const ackedValues = new Map<string, number[]>();
      for (const p of posts.filter((s) => !failed(s))) {
        const cloud = p.path.split('/').pop() ?? '';
        const v = (JSON.parse(p.body) as { value: number }).value;
        ackedValues.set(cloud, [...(ackedValues.get(cloud) ?? []), v]);
      }
      t.diagnostic(
        `isolated ${isolated} (lease holder, epoch ${before.epoch}); majority re-placed its share after ${Math.round(replacedMs)} ms; lease now ${after.holder} epoch ${after.epoch}; ` +
          `during: ${during.length} requests, majority failures ${majorityFailures.length}; minority reads ${minorityReads.filter((s) => !failed(s)).length}/${minorityReads.length} ok (${settledReads.filter((s) => !failed(s)).length}/${settledReads.length} after 14 s), writes ${minorityWrites.map((s) => `${s.status}/${Math.round(s.ms)}ms`).join(',')}; ` +
          `stale-epoch command: ${stale}; duplicates trimmed ${Math.round(trimmedMs)} ms after heal; counters ${JSON.stringify(values)}, acknowledged ${JSON.stringify(Object.fromEntries([...ackedValues].map(([c, v]) => [c, v.length])))}`,
      );

      // Served-request figures, asserted in the next test (not met yet; see there).
      served = {
        majorityFailures: majorityFailures.map(
          (s) => `${s.origin} ${s.method} ${s.path} → ${s.status} ${s.body.trim()}`,
        ),
        settledReads: settledReads.map((r) => `${r.status} by ${r.servedBy ?? '-'}`),
        isolated,
      };
      assert.ok(replacedMs <= 20_000);
      // Writes that need the quorum never succeed on the isolated side (no divergence): they fail
      // with a clear error, and fail fast once the store has noticed.
      assert.ok(minorityWrites.length > 0);
      for (const w of minorityWrites) {
        assert.ok(w.status === 503 || w.status === 504, `isolated POST → ${w.status} ${w.body}`);
      }
      const lateWrites = minorityWrites.filter((w) => w.startedAt >= cutAt + 14_000);
      assert.ok(lateWrites.length > 0);
      for (const w of lateWrites.filter((x) => x.status === 503)) {
        // The store's code, or the ingress's own answer when every instance is busy.
        assert.match(w.body, /"error":"KV_UNAVAILABLE"|no instance can serve this request now/);
      }
      // Its reconciler stopped acting: no command reached its hosts, which kept what they ran.
      assert.deepEqual(commandsWhilePartitioned, []);
      assert.equal(minorityCountsDuring, minorityCountsBefore);
      // The majority took the lease over with a newer epoch, and hosts fence the old one.
      assert.notEqual(after.holder, before.holder);
      assert.ok(after.epoch > before.epoch);
      assert.equal(stale, 'STALE_EPOCH');
      // After heal: duplicates trimmed within 10 s; no acknowledged increment lost, none doubled.
      assert.ok(trimmedMs <= 10_000, `duplicates trimmed after ${Math.round(trimmedMs)} ms`);
      for (const [cloud, acked] of ackedValues) {
        assert.equal(
          new Set(acked).size,
          acked.length,
          `${cloud}: two writes acknowledged the same value`,
        );
        const ambiguous = posts.filter((s) => s.path.endsWith(`/${cloud}`) && failed(s)).length;
        const value = values[cloud] ?? 0;
        assert.ok(
          value >= Math.max(...acked),
          `${cloud}: ${value} < acknowledged ${Math.max(...acked)}`,
        );
        assert.ok(value >= acked.length, `${cloud}: ${value} < ${acked.length} acknowledged`);
        assert.ok(
          value <= acked.length + ambiguous,
          `${cloud}: ${value} > ${acked.length} + ${ambiguous}`,
        );
      }
    } finally {
      ctl.unsubscribe();
      await majorityView.stop();
      await minorityView.stop();
      await majorityNc.close();
      await minorityNc.close();
    }
  });
  it(
    'partition: zero failed requests on the majority side, and the isolated cloud serves its own reads throughout',
    {
      todo: "not met yet: while the key-value stream elects a new leader (its leader was in the isolated cloud) increments hold the majority workers' only instance slots for seconds, so other requests wait past the ingress timeout; and the isolated cloud's first writes hold its instances until the store fails fast",
    },
    (t) => {
      if (unavailable) return t.skip(`network namespaces are unavailable: ${unavailable}`);
      assert.ok(served, 'the partition scenario ran');
      assert.deepEqual(served.majorityFailures, []);
      assert.ok(served.settledReads.length > 0);
      for (const r of served.settledReads) assert.equal(r, `200 by ${served.isolated}`);
    },
  );
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import {
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
import { leaseStatus } from '../../src/reconciler/index.ts';
import { pollUntil } from '../../src/support/index.ts';
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
  let served:
    | {
        majorityRequests: number;
        majorityFailures: string[];
        isolatedReads: string[];
        isolated: string;
      }
    | undefined;
  /** How long after the heal the placement was back to two per cloud (ms). */
  let trimmedAfterHealMs: number | undefined;
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
    /** The reconciler acting as seen through `conn` (every reconciler it reaches answers). */
    const actingVia = async (conn: NatsConnection): Promise<{ holder: string; epoch: number }> => {
      const acting = (await leaseStatus(conn, state.lattice)).find((s) => s.acting);
      return acting ? { holder: acting.id, epoch: acting.epoch } : { holder: '', epoch: 0 };
    };
    const lease = (): Promise<{ holder: string; epoch: number }> => actingVia(nc);
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
    const majorityLease = (): Promise<{ holder: string; epoch: number }> => actingVia(majorityNc);
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
      // The partition lasts 25 s. Requests answered meanwhile are the partition's.
      await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 25_000 - performance.now())));
      const during = seen.filter((s) => s.startedAt >= cutAt);
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

      // Heal counted from here (not from before the fencing check, whose request may take seconds).
      const healAt = performance.now();
      // When the isolated cloud's hosts are heard again on the majority side, and each change of
      // instances after that: where the time to trim goes.
      let rejoinedMs: number | undefined;
      const trimSteps: string[] = [];
      const offHeal = majorityView.onChange((c) => {
        const e = majorityView.get(c.hostId);
        if (c.type === 'joined' && e?.labels.cloud === isolated)
          rejoinedMs ??= performance.now() - healAt;
        if (c.type !== 'updated' || !e) return;
        const n = e.components[component] ?? 0;
        const key = `${e.labels.cloud}:${c.hostId.slice(0, 6)}=${n}`;
        if (trimSteps.at(-1)?.endsWith(key) !== true)
          trimSteps.push(`+${Math.round(performance.now() - healAt)}ms ${key}`);
      });
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
      offHeal();
      const leaseAfterHeal = await lease();
      console.log(
        `after heal: isolated hosts heard again at +${rejoinedMs === undefined ? '?' : Math.round(rejoinedMs)} ms; lease ${leaseAfterHeal.holder} epoch ${leaseAfterHeal.epoch}; instance changes ${trimSteps.slice(-12).join(', ')}`,
      );

      // Let every request in flight finish, then compare acknowledged writes with the store.
      await load.stop();
      const posts = seen.filter((s) => s.method === 'POST');
      const values: Record<string, number> = {};
      const readFrom = state.clouds[majority[0] ?? '']?.ingress?.url ?? '';
      const readAt = performance.now();
      for (const cloud of Object.keys(state.clouds)) {
        // Right after the heal JetStream may still be electing leaders (see afterHeal below):
        // read until it answers, as a client would.
        values[cloud] = await pollUntil(
          async () => {
            const res = await fetch(`${readFrom}/counters/${cloud}`);
            return res.ok ? ((await res.json()) as { value: number }).value : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250, what: `the counter of ${cloud}` },
        );
      }
      const readMs = performance.now() - readAt;

      const failed = (s: Seen): boolean => s.status < 200 || s.status > 299;
      const majorityRequests = during.filter((s) => s.origin !== isolated);
      const majorityFailures = majorityRequests.filter(failed);
      const minority = during.filter((s) => s.origin === isolated && s.startedAt >= cutAt + 1000);
      // Every read its users sent once the partition began, answered before the heal.
      const minorityReads = during.filter((s) => s.origin === isolated && s.method === 'GET');
      const minorityWrites = minority.filter((s) => s.method === 'POST');
      // Not asserted (see docs/architecture.md, the partition scenario): right after the heal,
      // nats-server 2.9's returning member deposes the majority's JetStream leaders for 10–20 s.
      const afterHeal = seen.filter((s) => s.startedAt >= healAt);
      const p99 = (xs: Seen[]): number =>
        Math.round([...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length * 0.99)]?.ms ?? 0);
      const ackedValues = new Map<string, number[]>();
      for (const p of posts.filter((s) => !failed(s))) {
        const cloud = p.path.split('/').pop() ?? '';
        const v = (JSON.parse(p.body) as { value: number }).value;
        ackedValues.set(cloud, [...(ackedValues.get(cloud) ?? []), v]);
      }
      t.diagnostic(
        `isolated ${isolated} (lease holder, epoch ${before.epoch}); majority re-placed its share after ${Math.round(replacedMs)} ms; lease now ${after.holder} epoch ${after.epoch}; ` +
          `during: ${during.length} requests, majority failures ${majorityFailures.length} of ${majorityRequests.length} (p99 ${p99(majorityRequests)} ms); minority reads ${minorityReads.filter((s) => s.status === 200 && s.servedBy === isolated).length}/${minorityReads.length} ok from ${isolated} (p99 ${p99(minorityReads)} ms), writes ${minorityWrites.map((s) => `${s.status}/${Math.round(s.ms)}ms`).join(',')}; ` +
          `stale-epoch command: ${stale}; duplicates trimmed ${Math.round(trimmedMs)} ms after heal; counters ${JSON.stringify(values)}, acknowledged ${JSON.stringify(Object.fromEntries([...ackedValues].map(([c, v]) => [c, v.length])))}; ` +
          `after heal: ${afterHeal.filter(failed).length} of ${afterHeal.length} requests failed (${[...new Set(afterHeal.filter(failed).map((s) => `${s.origin} ${s.method} ${s.status}`))].join(', ')}), counters readable ${Math.round(readMs)} ms after the load stopped`,
      );

      // Served-request figures, asserted in the next tests.
      served = {
        majorityRequests: majorityRequests.length,
        majorityFailures: majorityFailures.map(
          (s) =>
            `${s.origin} ${s.method} ${s.path} at +${Math.round(s.startedAt - cutAt)} ms → ${s.status} ${s.body.trim()}`,
        ),
        isolatedReads: minorityReads.map(
          (r) => `${r.status} by ${r.servedBy ?? '-'} at +${Math.round(r.startedAt - cutAt)} ms`,
        ),
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
      for (const w of lateWrites) {
        // The store knows it cannot reach a quorum: the component answers at once with its code.
        assert.equal(w.status, 503, `isolated POST → ${w.status} ${w.body}`);
        assert.match(w.body, /"error":"KV_UNAVAILABLE"/);
        assert.ok(w.ms < 2000, `an isolated write took ${Math.round(w.ms)} ms to fail`);
      }
      // Its reconciler stopped acting: no command reached its hosts, which kept what they ran.
      assert.deepEqual(commandsWhilePartitioned, []);
      assert.equal(minorityCountsDuring, minorityCountsBefore);
      // The majority took the lease over with a newer epoch, and hosts fence the old one.
      assert.notEqual(after.holder, before.holder);
      assert.ok(after.epoch > before.epoch);
      assert.equal(stale, 'STALE_EPOCH');
      // After heal: duplicates trimmed within 10 s; no acknowledged increment lost, none doubled.
      // Trimmed at all within the wait above (20 s); the 10 s bound is its own test below.
      trimmedAfterHealMs = trimmedMs;
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
  it('partition: zero failed requests on the majority side', (t) => {
    if (unavailable) return t.skip(`network namespaces are unavailable: ${unavailable}`);
    assert.ok(served, 'the partition scenario ran');
    // Increments wait for the bucket's new leader there, each on an instance of its own, while
    // reads go on: work queued behind a waiting instance is taken back and runs on another, and
    // an idempotent request its host timed out is retried elsewhere.
    // ~500 at the intended rate; a machine short of CPU sends fewer, but enough to judge.
    assert.ok(served.majorityRequests > 200, `only ${served.majorityRequests} requests`);
    assert.deepEqual(served.majorityFailures, []);
  });

  it('partition: the isolated cloud serves every one of its own reads', (t) => {
    if (unavailable) return t.skip(`network namespaces are unavailable: ${unavailable}`);
    assert.ok(served, 'the partition scenario ran');
    // Reads need no quorum: the isolated cloud's own instances answer them, while its writes
    // wait for a quorum that is not there and fail with 503.
    assert.ok(served.isolatedReads.length > 50, `only ${served.isolatedReads.length} reads`);
    assert.deepEqual(
      served.isolatedReads.filter((r) => !r.startsWith(`200 by ${served?.isolated} `)),
      [],
    );
  });

  it('after heal, duplicates are trimmed within 10 s', (t) => {
    if (unavailable) return t.skip(`network namespaces are unavailable: ${unavailable}`);
    assert.ok(trimmedAfterHealMs !== undefined, 'the partition scenario ran');
    assert.ok(
      trimmedAfterHealMs <= 10_000,
      `duplicates trimmed after ${Math.round(trimmedAfterHealMs)} ms`,
    );
  });
});

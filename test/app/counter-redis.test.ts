// The sample application on the Redis key-value backend through a Redis outage: clients get 503
// with Retry-After and a clear error body while redis-server is down, and service resumes by
// itself once it is back on the same port (no host or provider restarted).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice } from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { startRedis, type RedisServer } from '../providers/support.ts';
import { deployCounterApp, httpCall, type HttpAnswer } from '../support/counter-app.ts';
import { writeComponent } from '../support/lattice.ts';
import { example } from '../support/samples.ts';
import { tempDir } from '../support/tmp.ts';
import { TEST_TRUST } from '../support/signing.ts';

const lattice = 'redisapp';
/** Requests sent before the kill, while it happens, after it, after Redis is back. */
type Phase = 'before' | 'killing' | 'down' | 'back';
interface Outcome extends HttpAnswer {
  /** What redis-server was doing when the request was sent, and when its answer came. */
  phase: Phase;
  answeredIn: Phase;
  sentMs: number;
  atMs: number;
}

describe('sample app on Redis: redis-server killed mid-traffic', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-sample-redis-');
  const servers: RedisServer[] = [];
  let topo: Topology;
  let nc: NatsConnection;
  let host: Host;
  let base: string;

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    host = await startHost({
      lattice,
      servers: topo.urls(),
      labels: {},
      name: 'app',
      cacheDir: `${dir.path}/cache`,
      security: TEST_TRUST,
    });
    servers.push(await startRedis());
    const ref = writeComponent(dir.path, 'counter', await example('counter'));
    base = await deployCounterApp(nc, lattice, {
      providerHost: host.id,
      componentHost: host.id,
      ref,
      kv: { kind: 'keyvalue-redis', config: { url: servers[0]!.url, command_timeout_ms: '1000' } },
    });
  });

  after(async () => {
    for (const s of servers) await s.kill();
    await host.stop(1000);
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  it('answers 503 + Retry-After with the error while Redis is down, and resumes by itself', async () => {
    const redis = servers[0]!;
    const kvStarted = host.inventory().providers.find((p) => p.name === 'kv')?.startedAt;
    const outcomes: Outcome[] = [];
    let phase: Phase = 'before';
    let killStart = Infinity;
    let stop = false;
    const waiters: (() => void)[] = [];
    const settled = (): void => {
      for (const w of waiters.splice(0)) w();
    };
    /** Resolves once `pred` holds over the outcomes so far (checked after every response). */
    const until = async (pred: () => boolean, what: string, ms = 20_000): Promise<void> => {
      const deadline = performance.now() + ms;
      while (!pred()) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    const count = (p: Phase, status?: number): number =>
      outcomes.filter(
        (o) => o.phase === p && o.answeredIn === p && (status === undefined || o.status === status),
      ).length;
    const t0 = performance.now();
    const lane = async (): Promise<void> => {
      while (!stop) {
        const sentIn = phase;
        const sentMs = performance.now() - t0;
        const answer = await httpCall(base, 'POST', '/counters/hits');
        outcomes.push({
          ...answer,
          phase: sentIn,
          answeredIn: phase,
          sentMs,
          atMs: performance.now() - t0,
        });
        settled();
      }
    };
    const lanes = Promise.all([lane(), lane(), lane(), lane()]);
    try {
      await until(() => count('before', 200) >= 20, '20 answers before the kill');
      killStart = performance.now() - t0;
      phase = 'killing';
      await redis.kill();
      const killedAt = performance.now() - t0;
      phase = 'down';
      await until(() => count('down') >= 40, '40 answers during the outage');
      servers.push(await startRedis(redis.port));
      const backAt = performance.now() - t0;
      phase = 'back';
      await until(() => count('back', 200) >= 20, '20 successful answers after Redis came back');
      const firstOk = outcomes.find((o) => o.answeredIn === 'back' && o.status === 200)!;
      console.log(
        `redis killed at ${killedAt.toFixed(0)} ms, back at ${backAt.toFixed(0)} ms; ` +
          `first 200 after the restart ${(firstOk.atMs - backAt).toFixed(0)} ms later; ` +
          `${count('down')} answers during the outage`,
      );
    } finally {
      stop = true;
      await lanes;
    }

    // Answered before the kill: all 200. In flight while it happened: 200 or a clean 503.
    const finishedBeforeKill = outcomes.filter((o) => o.phase === 'before' && o.atMs < killStart);
    assert.ok(finishedBeforeKill.length >= 20);
    assert.ok(finishedBeforeKill.every((o) => o.status === 200));
    for (const o of outcomes.filter((o) => o.phase === 'before' || o.phase === 'killing')) {
      assert.ok(o.status === 200 || (o.status === 503 && o.retryAfter === '1'), `${o.status}`);
    }
    // Sent and answered while Redis was down: a clean 503 every time.
    assert.ok(count('down') >= 40);
    for (const o of outcomes.filter((o) => o.phase === 'down' && o.answeredIn === 'down')) {
      assert.equal(o.status, 503, `during the outage: ${o.status} ${o.body}`);
      assert.equal(o.retryAfter, '1');
      const body = JSON.parse(o.body) as { error: string; message: string };
      assert.equal(body.error, 'KV_UNAVAILABLE');
      assert.match(body.message, /redis/i);
      assert.doesNotMatch(o.body, /\n\s+at /, 'no stack trace');
    }
    // Around and after the restart: 503 + Retry-After until the provider's next dial succeeds;
    // every request sent after the first success succeeds.
    const later = outcomes.filter((o) => o.answeredIn === 'back');
    assert.ok(
      later.every((o) => o.status === 200 || (o.status === 503 && o.retryAfter === '1')),
      `only 200 or 503 + Retry-After: ${later.map((o) => o.status).join(',')}`,
    );
    const recoveredAt = Math.min(...later.filter((o) => o.status === 200).map((o) => o.atMs));
    const afterRecovery = later.filter((o) => o.sentMs > recoveredAt);
    assert.ok(afterRecovery.length >= 10);
    assert.ok(
      afterRecovery.every((o) => o.status === 200),
      `no failure after recovery: ${afterRecovery.map((o) => o.status).join(',')}`,
    );
    // The same provider instance recovered on its own (no restart of host or provider).
    assert.equal(host.inventory().providers.find((p) => p.name === 'kv')?.startedAt, kvStarted);
    assert.equal(host.state(), 'running');
    const now = await httpCall(base, 'GET', '/counters/hits');
    assert.equal(now.status, 200);
    assert.ok((JSON.parse(now.body) as { value: number }).value >= 20, now.body);
  });
});

// Redis going away: calls fail promptly with KV_UNAVAILABLE, and work again by themselves once a
// redis-server is back on the same port.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redisKeyValue, type KeyValueStore } from '../../src/providers/index.ts';
import { rejectsWith } from './keyvalue-contract.ts';
import { startRedis, type RedisServer } from './support.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Calls `kv.set` until it succeeds; resolves with the time it took. */
async function untilWorks(kv: KeyValueStore, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    try {
      await kv.set('b', 'probe', utf8('ok'));
      return performance.now() - t0;
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'KV_UNAVAILABLE');
      if (performance.now() - t0 > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

// Bounds leave room for a loaded CI machine; they still tell "fails at once" from "waits for the
// 1 s command timeout" and "hangs".
describe('Redis key-value when redis-server fails', { timeout: 60_000 }, () => {
  const servers: RedisServer[] = [];
  after(async () => {
    for (const s of servers) await s.kill();
  });

  it('SIGKILL: KV_UNAVAILABLE within milliseconds, then recovery without help on restart', async () => {
    const first = await startRedis();
    servers.push(first);
    const kv = redisKeyValue({ url: first.url, commandTimeoutMs: 1000 });
    await kv.set('b', 'k', utf8('v'));
    // A command in flight when the server dies fails too, rather than hanging.
    const inFlight = kv.increment('b', 'n', 1n).catch((err: unknown) => err);
    await first.kill();
    const failed = await inFlight;
    if (failed instanceof Error) assert.equal((failed as { code?: string }).code, 'KV_UNAVAILABLE');

    const t0 = performance.now();
    await rejectsWith(kv.get('b', 'k'), 'KV_UNAVAILABLE');
    const firstErrorMs = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < 20; i++) await rejectsWith(kv.exists('b', 'k'), 'KV_UNAVAILABLE');
    const perCallMs = (performance.now() - t1) / 20;
    assert.ok(firstErrorMs < 500, `first KV_UNAVAILABLE after ${firstErrorMs.toFixed(1)} ms`);
    assert.ok(perCallMs < 100, `each call during the outage took ${perCallMs.toFixed(1)} ms`);
    const err = (await kv.get('b', 'k').catch((e: unknown) => e)) as { retryable?: boolean };
    assert.equal(err.retryable, true);

    const second = await startRedis(first.port);
    servers.push(second);
    const recoveryMs = await untilWorks(kv, 5000);
    assert.ok(recoveryMs < 2000, `recovered ${recoveryMs.toFixed(0)} ms after the restart`);
    assert.equal(await kv.increment('b', 'n', 5n), 5n);
    console.log(
      `redis SIGKILL: first KV_UNAVAILABLE in ${firstErrorMs.toFixed(1)} ms, ` +
        `${perCallMs.toFixed(2)} ms per failing call, recovered ${recoveryMs.toFixed(0)} ms after restart`,
    );
    await kv.close();
    await second.kill();
  });

  it('SIGSTOP (a hung server): KV_UNAVAILABLE after the command timeout, recovery on SIGCONT', async () => {
    const redis = await startRedis();
    servers.push(redis);
    const kv = redisKeyValue({ url: redis.url, commandTimeoutMs: 300 });
    await kv.set('b', 'k', utf8('v'));
    redis.signal('SIGSTOP');
    const t0 = performance.now();
    await rejectsWith(kv.get('b', 'k'), 'KV_UNAVAILABLE');
    const hungMs = performance.now() - t0;
    assert.ok(hungMs >= 250 && hungMs < 2000, `failed after ${hungMs.toFixed(0)} ms`);
    redis.signal('SIGCONT');
    const recoveryMs = await untilWorks(kv, 5000);
    assert.equal(new TextDecoder().decode(await kv.get('b', 'k')), 'v');
    console.log(
      `redis SIGSTOP: KV_UNAVAILABLE after ${hungMs.toFixed(0)} ms; recovered ${recoveryMs.toFixed(0)} ms after SIGCONT`,
    );
    await kv.close();
    await redis.kill();
  });

  it('an unreachable URL fails with KV_UNAVAILABLE, a malformed one with KV_INVALID', async () => {
    const redis = await startRedis();
    const port = redis.port;
    await redis.kill();
    const kv = redisKeyValue({ url: `redis://127.0.0.1:${port}` });
    await rejectsWith(kv.get('b', 'k'), 'KV_UNAVAILABLE');
    await kv.close();
    assert.throws(() => redisKeyValue({ url: 'http://x' }), { code: 'KV_INVALID' });
  });
});

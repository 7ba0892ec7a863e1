import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { inFlightBound, startLoad, type RequestResult } from '../../src/sim/index.ts';

/**
 * An HTTP/1.1 server over raw sockets that answers the first request on each connection (keeping
 * it alive) and resets the connection when a second one arrives on it: what a client meets when a
 * server closes an idle kept-alive socket just as a request goes out on it.
 */
async function resettingServer(): Promise<{
  url: string;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let requests = 0;
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
        requests++;
        if (requests > 1) {
          socket.resetAndDestroy();
          return;
        }
        socket.write(
          'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok',
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  let accepted = 0;
  server.on('connection', () => accepted++);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function drive(url: string, method: 'GET' | 'POST'): Promise<RequestResult[]> {
  const results: RequestResult[] = [];
  // 4 requests a second: each finishes long before the next goes out, on the kept-alive socket.
  const load = await startLoad({
    ingress: () => ({ here: url }),
    requests: [{ method, path: '/counters/a' }],
    ratePerCloud: 4,
    maxSeconds: 1.1,
    observe: (r) => results.push(r),
  });
  while (results.length < 4) {
    await new Promise<void>((resolve) => {
      const stop = load.onSecond(() => {
        stop();
        resolve();
      });
    });
  }
  await load.stop();
  return results;
}

describe('load generator', () => {
  it('sends an idempotent request again on a new connection when a reused socket is reset', async () => {
    const server = await resettingServer();
    try {
      const results = await drive(server.url, 'GET');
      assert.deepEqual(
        results.map((r) => r.status),
        results.map(() => 200),
        results.map((r) => r.body).join(' | '),
      );
      // Every request after the first met a reset on the kept-alive socket, then got its own.
      assert.equal(server.connections(), results.length);
    } finally {
      await server.close();
    }
  });

  it('reports a reset POST as failed instead of sending it twice', async () => {
    const server = await resettingServer();
    try {
      const results = await drive(server.url, 'POST');
      assert.equal(results[0]?.status, 200);
      const failed = results.filter((r) => r.status === 0);
      assert.ok(failed.length >= 1, `statuses ${results.map((r) => r.status).join(',')}`);
      assert.match(failed[0]?.body ?? '', /ECONNRESET|socket hang up/);
    } finally {
      await server.close();
    }
  });

  it('sends no more unanswered requests to a cloud than its cap, and counts the rest as skipped', async () => {
    // A server that answers nothing until told to: every request stays in flight.
    const held: Socket[] = [];
    let peak = 0;
    let open = 0;
    const server = createServer((socket) => {
      held.push(socket);
      socket.on('data', () => {
        open++;
        peak = Math.max(peak, open);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const load = await startLoad({
      ingress: () => ({ here: url }),
      ratePerCloud: 40,
      maxSeconds: 1,
      inFlightCap: { seconds: 3, floor: 3 },
      timeoutMs: 30_000,
    });
    try {
      while ((load.history.at(-1)?.t ?? 0) < 1) {
        await new Promise<void>((resolve) => {
          const stop = load.onSecond(() => {
            stop();
            resolve();
          });
        });
      }
      assert.equal(peak, 3, 'requests the server saw at once');
      const skipped = load.totals().skipped;
      assert.ok(skipped >= 30, `${skipped} skipped of ~40 in the second`);
      // Each second's figures carry it too (the last sends may fall into the next second).
      assert.ok((load.history[0]?.skipped ?? 0) >= skipped - 2, 'skipped per second');
    } finally {
      for (const s of held) s.destroy();
      await load.stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
    // The requests cut off by the server count as failed, not as skipped.
    assert.equal(load.totals().errors, 3);
  });

  it('caps a cloud at seconds of its best recent second of answers, never below the floor', () => {
    const second = (t: number, ok: number, errors = 0): Parameters<typeof inFlightBound>[0][0] => ({
      t,
      servedBy: {},
      errors,
      skipped: 0,
      byOrigin: { aws: { ok, errors } },
      p50Ms: 0,
      p99Ms: 0,
    });
    const cap = { seconds: 3, floor: 50 };
    assert.equal(inFlightBound([], 'aws', cap), 50, 'nothing answered yet: the floor');
    assert.equal(inFlightBound([], 'aws', undefined), Number.POSITIVE_INFINITY);
    // A stall (a failover) does not lower the cap: the best of the last five seconds counts.
    const run = [second(1, 100), second(2, 120, 40), second(3, 0), second(4, 5)];
    assert.equal(inFlightBound(run, 'aws', cap), 360, 'successes count, failures do not');
    assert.equal(inFlightBound(run, 'gcp', cap), 50, 'another cloud has its own');
    // A machine that answers 20 a second gets at most 60 waiting (the floor, 50, is below).
    const slow = [1, 2, 3, 4, 5, 6].map((t) => second(t, t === 1 ? 500 : 20));
    assert.equal(inFlightBound(slow, 'aws', cap), 60, 'seconds older than five are forgotten');
  });
});

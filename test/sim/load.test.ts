import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { startLoad, type RequestResult } from '../../src/sim/index.ts';

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
});

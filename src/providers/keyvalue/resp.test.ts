import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { respClient, RedisUnavailableError } from './resp.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('respClient', () => {
  it('commands waiting for the same dial all fail as an unavailable server', async () => {
    const client = respClient({ host: '127.0.0.1', port: await closedPort(), retryDelayMs: 0 });
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        client.command(['PING']).then(
          () => 'answered',
          (err: unknown) => (err instanceof RedisUnavailableError ? 'unavailable' : String(err)),
        ),
      ),
    );
    assert.deepEqual(outcomes, Array(5).fill('unavailable'));
    client.close();
  });
});

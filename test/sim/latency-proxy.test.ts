import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo } from 'node:net';
import { startLatencyProxy } from '../../src/sim/index.ts';

/** The WAN latency proxy the simulation puts in front of gateway listeners, over real sockets. */
describe('latency proxy', () => {
  it('forwards both ways in order, adding the current delay to each direction', async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const target = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
    let delay = 0;
    const proxy = await startLatencyProxy([{ listen: '127.0.0.1:0', target }], () => delay);
    const [host, port] = (proxy.addresses[0] ?? '').split(':');
    const socket = connect(Number(port), host);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const roundTrip = async (text: string): Promise<{ ms: number; got: string }> => {
      const t0 = performance.now();
      let got = '';
      await new Promise<void>((resolve) => {
        const onData = (d: Buffer): void => {
          got += d.toString();
          if (got.length >= text.length) {
            socket.off('data', onData);
            resolve();
          }
        };
        socket.on('data', onData);
        socket.write(text);
      });
      return { ms: performance.now() - t0, got };
    };
    try {
      const fast = await roundTrip('a'.repeat(1000));
      delay = 60;
      const slow = await roundTrip('0123456789'.repeat(100));
      delay = 0;
      const back = await roundTrip('xyz');
      assert.equal(slow.got, '0123456789'.repeat(100));
      assert.ok(slow.ms >= 120, `two delayed legs took ${slow.ms.toFixed(1)} ms`);
      assert.ok(fast.ms < 60 && back.ms < 60, `undelayed: ${fast.ms} ms, ${back.ms} ms`);
    } finally {
      socket.destroy();
      await proxy.stop();
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });
});

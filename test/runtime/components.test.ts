// Acceptance: TypeScript and AssemblyScript components built with the real toolchain, run
// through the runtime with an in-memory capability implementation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AloftError } from '../../src/support/index.ts';
import {
  createRuntime,
  isGuestError,
  memoryCapabilities,
  type LoadedComponent,
  type Runtime,
} from '../../src/runtime/index.ts';
import { dec, enc, fixture, request } from './fixtures.ts';

for (const lang of ['ts', 'as'] as const) {
  describe(`${lang} component`, () => {
    let runtime: Runtime;
    let probe: LoadedComponent;
    let caps: ReturnType<typeof memoryCapabilities>;
    let cacheDir: string;

    before(async () => {
      cacheDir = await mkdtemp(path.join(tmpdir(), 'aloft-rt-'));
      caps = memoryCapabilities({
        config: { greeting: 'hi there' },
        forward: (call) => {
          if (call.interface === 'messaging' && call.function === 'request') {
            const [subject, body] = call.args as [string, Uint8Array];
            return Promise.resolve({
              subject: `${subject}.reply`,
              replyTo: undefined,
              body: enc.encode(`${dec.decode(body)}-pong`),
            });
          }
          if (call.interface === 'lattice' && call.function === 'call') {
            const [component, operation, payload] = call.args as [string, string, Uint8Array];
            if (component !== 'upper')
              return Promise.reject(new AloftError('NO_SUCH_COMPONENT', component));
            return Promise.resolve(enc.encode(`${operation}:${dec.decode(payload).toUpperCase()}`));
          }
          return Promise.reject(new AloftError('CAPABILITY_UNAVAILABLE', call.interface));
        },
      });
      runtime = createRuntime({ cacheDir, capabilities: caps.handler });
      probe = await runtime.load(await fixture(`probe-${lang}`), { name: `probe-${lang}` });
    });
    after(async () => {
      await runtime.close();
      await rm(cacheDir, { recursive: true, force: true });
    });

    it('exports every handler and reports its imports', () => {
      assert.deepEqual([...probe.handlers].sort(), [
        'http-handler',
        'message-handler',
        'operation',
      ]);
      assert.ok(probe.capabilities.includes('keyvalue'));
      assert.match(probe.sha256, /^[0-9a-f]{64}$/);
    });

    it('round-trips an HTTP request', async () => {
      const res = await probe.handleHttp(
        request('/greet?x=1', { method: 'POST', headers: [['x-probe', 'abc']], body: 'four' }),
      );
      assert.equal(res.status, 200);
      assert.equal(dec.decode(res.body), `hello from ${lang} POST /greet?x=1 4`);
      assert.deepEqual(res.headers, [
        ['content-type', 'text/plain'],
        ['x-probe', 'abc'],
      ]);
      assert.equal((await probe.handleHttp(request('/missing'))).status, 404);
    });

    it('calls operations and returns guest errors with their code', async () => {
      assert.deepEqual(
        await probe.call('echo', new Uint8Array([1, 2, 3])),
        new Uint8Array([1, 2, 3]),
      );
      await assert.rejects(probe.call('fail', new Uint8Array()), (err) => {
        assert.ok(isGuestError(err));
        assert.equal(err.guestCode, 'PROBE_FAILED');
        assert.equal(err.code, 'COMPONENT_ERROR');
        return true;
      });
      await assert.rejects(
        probe.call('nope', new Uint8Array()),
        (err) => isGuestError(err) && err.guestCode === 'NO_SUCH_OPERATION',
      );
    });

    it('uses key-value through the capability handler', async () => {
      await probe.call('kv-set', enc.encode('colour=blue'));
      assert.equal(dec.decode(caps.buckets.get('probe')?.get('colour')), 'blue');
      assert.equal(dec.decode(await probe.call('kv-get', enc.encode('colour'))), 'blue');
      await assert.rejects(
        probe.call('kv-get', enc.encode('absent')),
        (err) => isGuestError(err) && err.guestCode === 'NOT_FOUND',
      );
      assert.equal(dec.decode(await probe.call('kv-incr', enc.encode('hits'))), '1');
      assert.equal(dec.decode(await probe.call('kv-incr', enc.encode('hits'))), '2');
    });

    it('lists keys and compares-and-swaps', async () => {
      await probe.call('kv-set', enc.encode('lock='));
      assert.equal(dec.decode(await probe.call('kv-cas', enc.encode('lock=wrong=x'))), 'false');
      assert.equal(
        dec.decode(await probe.call('kv-cas', enc.encode('fresh==1'))),
        'true',
        'absent key, expected none',
      );
      assert.equal(
        dec.decode(await probe.call('kv-cas', enc.encode('fresh==2'))),
        'false',
        'present key, expected none',
      );
      assert.equal(dec.decode(caps.buckets.get('probe')?.get('fresh')), '1');
      const keys = dec.decode(await probe.call('kv-keys', new Uint8Array())).split(',');
      assert.ok(keys.includes('fresh') && keys.includes('lock'), keys.join(','));
    });

    it('sends a request over messaging and reads the reply', async () => {
      assert.equal(
        dec.decode(await probe.call('request', enc.encode('svc.time'))),
        'svc.time.reply:ping-pong',
      );
    });

    it('reads config', async () => {
      assert.equal(dec.decode(await probe.call('config', enc.encode('greeting'))), 'hi there');
      await assert.rejects(
        probe.call('config', enc.encode('nope')),
        (err) => isGuestError(err) && err.guestCode === 'CONFIG_MISSING',
      );
    });

    it('logs through the host', async () => {
      await probe.call('log', enc.encode('something happened'));
      assert.deepEqual(caps.logs.at(-1), {
        component: `probe-${lang}`,
        level: 'info',
        context: 'probe',
        message: 'something happened',
      });
    });

    it('calls another component over the lattice capability, errors included', async () => {
      assert.equal(
        dec.decode(await probe.call('call', enc.encode('upper:shout:quiet'))),
        'shout:QUIET',
      );
      await assert.rejects(
        probe.call('call', enc.encode('ghost:x:y')),
        (err) => isGuestError(err) && err.guestCode === 'NO_SUCH_COMPONENT',
      );
    });

    it('handles messages', async () => {
      await probe.handleMessage({ subject: 'orders.new', body: enc.encode('{"id":1}') });
      assert.equal(dec.decode(caps.buckets.get('messages')?.get('orders.new')), '{"id":1}');
      await assert.rejects(
        probe.handleMessage({ subject: 'fail', replyTo: 'inbox.1', body: new Uint8Array() }),
        (err) => isGuestError(err) && err.guestCode === 'PROBE_FAILED',
      );
    });

    it('keeps instance state between invocations', async () => {
      const a = Number(dec.decode(await probe.call('count', new Uint8Array())));
      const b = Number(dec.decode(await probe.call('count', new Uint8Array())));
      assert.equal(b, a + 1);
    });
  });
}

// The built-in provider kinds, driven the way a host drives them: a ProviderContext, calls with
// jco-mapped arguments, links that change at run time.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import {
  decodeCapabilityCall,
  decodeCapabilityResult,
  encodeCapabilityCall,
  encodeCapabilityResult,
  subjectsFor,
} from '../../src/lattice/index.ts';
import { freePort } from '../../src/nats/index.ts';
import { AloftError, pollUntil, silentLogger } from '../../src/support/index.ts';
import {
  builtinProviders,
  type ProviderCall,
  type ProviderContext,
  type ProviderInstance,
  type ProviderLink,
} from '../../src/providers/index.ts';
import { natsFixture, startRedis, type RedisServer } from './support.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: unknown): string => new TextDecoder().decode(b as Uint8Array);

type Fixture = Awaited<ReturnType<typeof natsFixture>>;

/** A host stand-in: records handler calls and lets the test change the links. */
function fakeHost(nats: Fixture, config: Record<string, string> = {}) {
  let links: ProviderLink[] = [];
  const listeners = new Set<() => void>();
  const delivered: { component: string; message: unknown }[] = [];
  const onDelivered = new Set<() => void>();
  let http: (component: string, request: unknown) => Promise<unknown> = () =>
    Promise.reject(new Error('no handler'));
  const ctx: ProviderContext = {
    nc: nats.nc,
    lattice: 'provtest',
    hostId: 'HOST1',
    logger: silentLogger,
    config,
    hostName: 'host-1',
    labels: () => ({ cloud: 'test' }),
    namedConfig: () => undefined,
    handleHttp: (component, request) => http(component, request),
    deliverMessage: (component, message) => {
      delivered.push({ component, message });
      for (const f of onDelivered) f();
      return Promise.resolve();
    },
    linksTo: () => links,
    onLinksChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return {
    ctx,
    delivered,
    /** Resolves once `n` messages have been delivered in all. */
    deliveredCount: (n: number) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (delivered.length >= n) resolve();
        };
        onDelivered.add(check);
        check();
      }),
    setLinks: (next: ProviderLink[]) => {
      links = next;
      for (const l of listeners) l();
    },
    onHttp: (f: typeof http) => (http = f),
  };
}

const call = (
  iface: string,
  fn: string,
  args: unknown[],
  linkConfig: Record<string, string> = {},
): ProviderCall => ({
  component: 'app',
  interface: iface,
  function: fn,
  args,
  linkConfig,
});

/** Sends the call through the JSON wire form both ways, as a remote host would. */
async function viaWire(p: ProviderInstance, c: ProviderCall): Promise<unknown> {
  const decoded = decodeCapabilityCall(
    encodeCapabilityCall({ ...c, link: { name: 'default', config: c.linkConfig } }),
  );
  const value = await p.handle({ ...decoded, linkConfig: decoded.link.config });
  return decodeCapabilityResult(encodeCapabilityResult(value));
}

function get(
  url: string,
  path: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    httpRequest(`${url}${path}`, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          headers: res.headers,
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('built-in providers', { timeout: 60_000 }, () => {
  let nats: Fixture;
  let redis: RedisServer;
  before(async () => {
    nats = await natsFixture('single');
    redis = await startRedis();
  });
  after(async () => {
    await nats.stop();
    await redis.kill();
  });

  it('registers every kind', () => {
    assert.deepEqual(Object.keys(builtinProviders).sort(), [
      'blobstore-memory',
      'blobstore-nats',
      'config-lattice',
      'http-client',
      'http-server',
      'keyvalue-memory',
      'keyvalue-nats',
      'keyvalue-redis',
      'logging-lattice',
      'messaging-nats',
    ]);
  });

  it("config-lattice merges the named configs of the link (later wins), else the component's own", async () => {
    const table: Record<string, Record<string, string>> = {
      shop: { color: 'red', size: 'M' },
      shared: { color: 'blue', region: 'eu' },
    };
    const host = fakeHost(nats, {});
    const p = await builtinProviders['config-lattice']!({
      ...host.ctx,
      namedConfig: (name) => table[name],
    });
    const call = (fn: string, args: unknown[], linkConfig: Record<string, string> = {}) =>
      p.handle({ component: 'shop', interface: 'config', function: fn, args, linkConfig });
    assert.equal(await call('get', ['color']), 'red');
    assert.equal(await call('get', ['region']), undefined);
    assert.equal(await call('get', ['color'], { names: 'shop, shared' }), 'blue');
    assert.deepEqual(await call('get-all', [], { names: 'shared shop' }), [
      ['color', 'red'],
      ['region', 'eu'],
      ['size', 'M'],
    ]);
    table.shop = { color: 'green' };
    assert.equal(await call('get', ['color']), 'green', 'reads the current value at every call');
  });

  it("logging-lattice publishes JSON lines on the component's log subject, honouring min_level", async () => {
    const host = fakeHost(nats, {});
    const p = await builtinProviders['logging-lattice']!(host.ctx);
    const lines: Record<string, unknown>[] = [];
    let two: () => void = () => undefined;
    const gotTwo = new Promise<void>((r) => (two = r));
    const sub = nats.nc.subscribe(subjectsFor('provtest').logs('shop'), {
      callback: (_e, m) => {
        lines.push(m.json<Record<string, unknown>>());
        if (lines.length === 2) two();
      },
    });
    await nats.nc.flush();
    const log = (level: string, msg: string, linkConfig: Record<string, string> = {}) =>
      p.handle({
        component: 'shop',
        interface: 'logging',
        function: 'log',
        args: [level, 'ctx', msg],
        linkConfig,
      });
    await log('debug', 'kept');
    await log('debug', 'dropped', { min_level: 'info' });
    await log('error', 'kept too', { min_level: 'info' });
    await assert.rejects(log('info', 'x', { min_level: 'loud' }), /unknown log level loud/);
    // Lines from one publisher arrive in order: had "dropped" been sent, it would be second.
    await gotTwo;
    sub.unsubscribe();
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.component, l.context, l.cloud]),
      [
        ['debug', 'kept', 'shop', 'ctx', 'test'],
        ['error', 'kept too', 'shop', 'ctx', 'test'],
      ],
    );
  });

  for (const kind of ['keyvalue-memory', 'keyvalue-nats', 'keyvalue-redis']) {
    it(`${kind}: maps the WIT functions with jco arguments, in process and over the wire`, async () => {
      const host = fakeHost(nats, kind === 'keyvalue-redis' ? { url: redis.url } : {});
      const p = await builtinProviders[kind]!(host.ctx);
      assert.deepEqual(p.interfaces, ['keyvalue']);
      for (const send of [(c: ProviderCall) => p.handle(c), (c: ProviderCall) => viaWire(p, c)]) {
        const b = `b${Math.random().toString(36).slice(2, 8)}`;
        assert.equal(await send(call('keyvalue', 'get', [b, 'k'])), undefined);
        assert.equal(await send(call('keyvalue', 'set', [b, 'k', utf8('v')])), undefined);
        assert.equal(text(await send(call('keyvalue', 'get', [b, 'k']))), 'v');
        assert.equal(await send(call('keyvalue', 'exists', [b, 'k'])), true);
        assert.equal(await send(call('keyvalue', 'increment', [b, 'n', 5n])), 5n);
        assert.equal(
          await send(call('keyvalue', 'compare-and-swap', [b, 'c', undefined, utf8('1')])),
          true,
        );
        assert.equal(
          await send(call('keyvalue', 'compare-and-swap', [b, 'c', utf8('0'), utf8('2')])),
          false,
        );
        assert.deepEqual(await send(call('keyvalue', 'list-keys', [b, undefined])), {
          keys: ['c', 'k', 'n'],
          cursor: undefined,
        });
        assert.equal(await send(call('keyvalue', 'delete', [b, 'k'])), undefined);
        // bucket_prefix keeps links apart.
        assert.equal(
          await send(call('keyvalue', 'get', [b, 'c'], { bucket_prefix: 'other_' })),
          undefined,
        );
        await assert.rejects(send(call('keyvalue', 'get', ['bad bucket', 'k'])), {
          code: 'KV_INVALID',
        });
        await assert.rejects(send(call('keyvalue', 'scan', [b])), {
          code: 'CAPABILITY_UNKNOWN_FUNCTION',
        });
      }
      await p.stop();
    });
  }

  it('keyvalue-redis without a url fails to start with PROVIDER_CONFIG_INVALID', async () => {
    await assert.rejects(builtinProviders['keyvalue-redis']!(fakeHost(nats).ctx), {
      code: 'PROVIDER_CONFIG_INVALID',
    });
  });

  it('messaging-nats: publish/request through handle; link subscriptions follow link changes', async () => {
    const host = fakeHost(nats);
    const p = await builtinProviders['messaging-nats']!(host.ctx);
    const raw = await nats.connect();
    raw.subscribe('svc.echo', { callback: (_e, m) => void m.respond(m.data) });
    await raw.flush();
    const reply = (await p.handle(
      call('messaging', 'request', ['svc.echo', utf8('ping'), 1000]),
    )) as {
      body: Uint8Array;
    };
    assert.equal(text(reply.body), 'ping');

    host.setLinks([
      {
        source: 'billing',
        interface: 'aloft:platform/messaging',
        name: 'default',
        config: { subscriptions: 'orders.*' },
      },
    ]);
    await nats.nc.flush();
    await p.handle(
      call('messaging', 'publish', [
        { subject: 'orders.new', replyTo: undefined, body: utf8('o1') },
      ]),
    );
    await host.deliveredCount(1);
    assert.equal(host.delivered[0]?.component, 'billing');
    assert.deepEqual(host.delivered[0]?.message, {
      subject: 'orders.new',
      replyTo: undefined,
      body: utf8('o1'),
    });

    // Removing the link stops the subscription: a message published afterwards is not delivered.
    host.setLinks([]);
    await nats.nc.flush();
    const marker = raw.subscribe('orders.after', { max: 1 });
    raw.publish('orders.after', utf8('late'));
    for await (const _ of marker) break;
    await raw.flush();
    await nats.nc.flush();
    assert.equal(host.delivered.length, 1);
    await p.stop();
  });

  it('http-server: a host-wide listener routes links by host and path; 503 when no instance can serve', async () => {
    const port = await freePort();
    const host = fakeHost(nats, { address: `127.0.0.1:${port}`, request_timeout_ms: '2000' });
    host.onHttp((component, request) => {
      const r = request as { method: string; path: string };
      if (component === 'down')
        return Promise.reject(new AloftError('NO_RESPONDERS', 'no instance'));
      return Promise.resolve({
        status: 200,
        headers: [['x-component', component]],
        body: utf8(`${component} ${r.method} ${r.path}`),
      });
    });
    host.setLinks([
      { source: 'api', interface: 'http-handler', name: 'default', config: { path: '/api' } },
    ]);
    const p = await builtinProviders['http-server']!(host.ctx);
    const url = `http://127.0.0.1:${port}`;
    assert.equal((await get(url, '/api/items')).body, 'api GET /api/items');
    assert.equal((await get(url, '/elsewhere')).status, 404);

    const ownPort = await freePort();
    host.setLinks([
      { source: 'api', interface: 'http-handler', name: 'default', config: { path: '/api' } },
      { source: 'down', interface: 'http-handler', name: 'default', config: { path: '/down' } },
      {
        source: 'solo',
        interface: 'http-handler',
        name: 'default',
        config: { address: `127.0.0.1:${ownPort}` },
      },
    ]);
    // The provider applies link changes in the background (a new listener has to bind first).
    await pollUntil(() => get(`http://127.0.0.1:${ownPort}`, '/x').catch(() => undefined), {
      timeoutMs: 5000,
      what: 'the new listener',
    });
    const down = await get(url, '/down');
    assert.equal(down.status, 503);
    assert.equal(down.headers['retry-after'], '1');
    assert.equal((await get(`http://127.0.0.1:${ownPort}`, '/x')).body, 'solo GET /x');
    await p.stop();
    await assert.rejects(get(url, '/api'), /ECONNREFUSED/);
    await assert.rejects(get(`http://127.0.0.1:${ownPort}`, '/x'), /ECONNREFUSED/);
  });

  it('http-client: fetch through handle obeys the link allow-list', async () => {
    const port = await freePort();
    const server = await (async () => {
      const { createServer } = await import('node:http');
      const s = createServer((_req, res) => res.end('hello'));
      await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
      return s;
    })();
    const p = await builtinProviders['http-client']!(fakeHost(nats).ctx);
    const req = {
      method: 'GET',
      url: `http://127.0.0.1:${port}/`,
      headers: [],
      body: new Uint8Array(),
      timeoutMs: 0,
    };
    const res = (await viaWire(
      p,
      call('outgoing-http', 'fetch', [req], { allow: '127.0.0.1:*' }),
    )) as {
      status: number;
      body: Uint8Array;
    };
    assert.equal(res.status, 200);
    assert.equal(text(res.body), 'hello');
    await assert.rejects(p.handle(call('outgoing-http', 'fetch', [req], {})), {
      code: 'HTTP_NOT_ALLOWED',
    });
    await p.stop();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('blobstore-nats: put/get/list through handle', async () => {
    const p = await builtinProviders['blobstore-nats']!(fakeHost(nats).ctx);
    await viaWire(p, call('blobstore', 'put', ['photos', 'a.jpg', utf8('jpeg')]));
    assert.equal(text(await viaWire(p, call('blobstore', 'get', ['photos', 'a.jpg']))), 'jpeg');
    assert.deepEqual(await viaWire(p, call('blobstore', 'list', ['photos', undefined])), {
      names: ['a.jpg'],
      cursor: undefined,
    });
    await p.stop();
  });
});

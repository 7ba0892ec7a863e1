// The HTTP server provider's engine, over real sockets on random ports.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { AloftError, deferred } from '../../src/support/index.ts';
import {
  startHttpServer,
  type HttpHandler,
  type HttpRequestData,
  type HttpServer,
} from '../../src/providers/index.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

/** One request with node:http (so we control Host, chunking and the agent). */
function send(
  url: string,
  opts: {
    method?: string;
    path?: string;
    host?: string;
    body?: Buffer;
    chunked?: boolean;
    agent?: Agent;
  } = {},
): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        agent: opts.agent ?? false,
        headers: {
          ...(opts.host ? { host: opts.host } : {}),
          ...(opts.chunked ? { 'transfer-encoding': 'chunked' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            socket: res.socket,
          }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body && opts.chunked) {
      for (let i = 0; i < opts.body.length; i += 65536) req.write(opts.body.subarray(i, i + 65536));
      req.end();
    } else req.end(opts.body);
  });
}

describe('http-server', { timeout: 30_000 }, () => {
  let srv: HttpServer;
  const seen: { target: string; req: HttpRequestData }[] = [];
  let behaviour: HttpHandler = (target, req) => {
    seen.push({ target, req });
    return Promise.resolve({
      status: 200,
      headers: [
        ['content-type', 'text/plain'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['connection', 'close'],
      ],
      body: utf8(`${target} ${req.method} ${req.path} ${req.body.length}`),
    });
  };
  before(async () => {
    srv = await startHttpServer({
      address: '127.0.0.1:0',
      routes: [
        { host: 'shop.example.com', target: 'shop' },
        { path: '/api', target: 'api' },
      ],
      handle: (t, r, o) => behaviour(t, r, o),
      requestTimeoutMs: 300,
      maxBodyBytes: 1024 * 1024,
    });
  });
  after(() => srv.stop());

  it('routes by host and path and passes method, path with query, headers and body', async () => {
    const r = await send(srv.url, {
      method: 'POST',
      path: '/api/items?x=1',
      body: Buffer.from('hello'),
    });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'api POST /api/items?x=1 5');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(r.headers['content-length'], String(r.body.length));
    const last = seen.at(-1)!;
    assert.equal(new TextDecoder().decode(last.req.body), 'hello');
    assert.ok(last.req.headers.some(([k, v]) => k === 'content-length' && v === '5'));
    const shop = await send(srv.url, { host: 'Shop.Example.com:8080', path: '/anything' });
    assert.equal(shop.body, 'shop GET /anything 0');
  });

  it('answers 404 for a request no route matches, without calling the handler', async () => {
    const before = seen.length;
    const r = await send(srv.url, { path: '/nothing-here' });
    assert.equal(r.status, 404);
    assert.equal(seen.length, before);
  });

  it('keeps connections alive across requests (the handler cannot close them)', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const a = await send(srv.url, { path: '/api/1', agent });
    const b = await send(srv.url, { path: '/api/2', agent });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.headers.connection, 'keep-alive');
    assert.equal(a.socket, b.socket, 'the second request reused the first connection');
    agent.destroy();
  });

  it('answers 413 for bodies over the limit, declared or chunked, without calling the handler', async () => {
    const before = seen.length;
    const big = Buffer.alloc(1024 * 1024 + 1, 1);
    const declared = await send(srv.url, { method: 'POST', path: '/api', body: big });
    assert.equal(declared.status, 413);
    const chunked = await send(srv.url, { method: 'POST', path: '/api', body: big, chunked: true });
    assert.equal(chunked.status, 413);
    assert.equal(seen.length, before);
    const atLimit = await send(srv.url, { method: 'POST', path: '/api', body: big.subarray(1) });
    assert.equal(atLimit.status, 200);
  });

  it('answers 503 with Retry-After when no instance can serve', async () => {
    for (const code of ['NO_RESPONDERS', 'UNAVAILABLE', 'BUSY', 'KV_UNAVAILABLE']) {
      behaviour = () => Promise.reject(new AloftError(code, 'nobody home', { retryable: true }));
      const r = await send(srv.url, { path: '/api' });
      assert.equal(r.status, 503, code);
      assert.equal(r.headers['retry-after'], '1');
    }
  });

  it('answers a bare 500 for other failures: no message, no stack', async () => {
    behaviour = () => Promise.reject(new Error('secret database password in /srv/app.ts:12'));
    const r = await send(srv.url, { path: '/api' });
    assert.equal(r.status, 500);
    assert.doesNotMatch(r.body, /secret|app\.ts|at /);
    behaviour = () =>
      Promise.resolve({ status: 200, headers: [['bad header', 'x']], body: utf8('x') });
    assert.equal((await send(srv.url, { path: '/api' })).status, 500);
    behaviour = () => Promise.resolve({ status: 99, headers: [], body: utf8('x') });
    assert.equal((await send(srv.url, { path: '/api' })).status, 500);
  });

  it('answers 504 when the handler takes longer than the timeout, and aborts its signal', async () => {
    let aborted = false;
    behaviour = (_t, _r, { signal }) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve({ status: 200, headers: [], body: utf8('too late') });
        });
      });
    const t0 = performance.now();
    const r = await send(srv.url, { path: '/api' });
    const ms = performance.now() - t0;
    assert.equal(r.status, 504);
    assert.ok(ms >= 290 && ms < 2000, `answered after ${ms.toFixed(0)} ms`);
    assert.equal(aborted, true);
  });

  it('routes change at run time', async () => {
    behaviour = (target) => Promise.resolve({ status: 200, headers: [], body: utf8(target) });
    srv.setRoutes([...srv.routes(), { path: '/new', target: 'fresh' }]);
    assert.equal((await send(srv.url, { path: '/new/x' })).body, 'fresh');
  });
});

describe('http-server lifecycle', { timeout: 30_000 }, () => {
  it('stop lets a request in flight finish, then refuses connections', async () => {
    const entered = deferred<void>();
    const release = deferred<void>();
    const srv = await startHttpServer({
      address: '127.0.0.1:0',
      routes: [{ target: 'slow' }],
      handle: async () => {
        entered.resolve();
        await release.promise;
        return { status: 200, headers: [], body: utf8('done') };
      },
    });
    const inFlight = send(srv.url);
    await entered.promise;
    const stopping = srv.stop(5000);
    release.resolve();
    assert.equal((await inFlight).body, 'done');
    await stopping;
    await assert.rejects(send(srv.url), /ECONNREFUSED/);
  });

  it('reports a taken port as HTTP_ADDRESS_IN_USE and a bad address as HTTP_ADDRESS_INVALID', async () => {
    const srv = await startHttpServer({
      address: '127.0.0.1:0',
      routes: [],
      handle: () => Promise.reject(new Error()),
    });
    await assert.rejects(
      startHttpServer({
        address: srv.address,
        routes: [],
        handle: () => Promise.reject(new Error()),
      }),
      { code: 'HTTP_ADDRESS_IN_USE' },
    );
    await assert.rejects(
      startHttpServer({
        address: 'nonsense',
        routes: [],
        handle: () => Promise.reject(new Error()),
      }),
      { code: 'HTTP_ADDRESS_INVALID' },
    );
    await srv.stop();
  });
});

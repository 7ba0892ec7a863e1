// Outgoing HTTP against a real local node:http server on a random port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpClient, type OutgoingRequest } from '../../src/providers/index.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('http-client', { timeout: 30_000 }, () => {
  let server: Server;
  let base: string;
  let port: number;
  const received: {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
  }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        const path = req.url ?? '/';
        if (path === '/echo') {
          res.writeHead(201, { 'x-echo': 'yes', 'set-cookie': ['a=1', 'b=2'] });
          res.end(`echo ${req.method} ${Buffer.concat(chunks).toString()}`);
        } else if (path === '/slow') {
          setTimeout(() => res.end('late'), 2000).unref();
        } else if (path === '/big') {
          res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) });
          res.end(Buffer.alloc(2 * 1024 * 1024));
        } else if (path === '/big-chunked') {
          for (let i = 0; i < 32; i++) res.write(Buffer.alloc(65536));
          res.end();
        } else if (path === '/redirect') {
          res.writeHead(302, { location: 'http://evil.example/' });
          res.end();
        } else res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const req = (path: string, extra: Partial<OutgoingRequest> = {}): OutgoingRequest => ({
    method: 'GET',
    url: `${base}${path}`,
    headers: [],
    body: new Uint8Array(),
    timeoutMs: 0,
    ...extra,
  });
  const client = httpClient({
    allow: ['127.0.0.1:*'],
    timeoutMs: 500,
    maxResponseBytes: 1024 * 1024,
  });

  it('sends method, headers and body; returns status, headers (set-cookie kept apart) and body', async () => {
    const res = await client.fetch(
      req('/echo', {
        method: 'post',
        headers: [
          ['x-trace', 't1'],
          ['host', 'spoofed'],
          ['connection', 'close'],
        ],
        body: utf8('payload'),
      }),
    );
    assert.equal(res.status, 201);
    assert.equal(text(res.body), 'echo POST payload');
    assert.ok(res.headers.some(([k, v]) => k === 'x-echo' && v === 'yes'));
    assert.deepEqual(
      res.headers.filter(([k]) => k === 'set-cookie').map(([, v]) => v),
      ['a=1', 'b=2'],
    );
    const seen = received.at(-1)!;
    assert.equal(seen.headers['x-trace'], 't1');
    assert.equal(seen.headers.host, `127.0.0.1:${port}`);
  });

  it('refuses hosts outside the allow-list without connecting', async () => {
    const before = received.length;
    const strict = httpClient({ allow: ['api.example.com'] });
    await assert.rejects(
      strict.fetch(req('/echo')),
      (err: { code?: string; message?: string; hint?: string }) => {
        assert.equal(err.code, 'HTTP_NOT_ALLOWED');
        assert.match(err.message ?? '', /127\.0\.0\.1/);
        assert.match(err.hint ?? '', /allow=/);
        return true;
      },
    );
    await assert.rejects(client.fetch(req('/', { url: `http://localhost:${port}/` })), {
      code: 'HTTP_NOT_ALLOWED',
    });
    await assert.rejects(client.fetch(req('/', { url: 'file:///etc/passwd' })), {
      code: 'HTTP_INVALID',
    });
    await assert.rejects(client.fetch(req('/', { body: utf8('x') })), { code: 'HTTP_INVALID' });
    assert.equal(received.length, before);
  });

  it('times out with the retryable HTTP_TIMEOUT; a request cannot ask for more than the limit', async () => {
    const t0 = performance.now();
    await assert.rejects(client.fetch(req('/slow', { timeoutMs: 100 })), {
      code: 'HTTP_TIMEOUT',
      retryable: true,
    });
    const short = performance.now() - t0;
    assert.ok(short >= 90 && short < 450, `timed out after ${short.toFixed(0)} ms`);
    const t1 = performance.now();
    await assert.rejects(client.fetch(req('/slow', { timeoutMs: 60_000 })), {
      code: 'HTTP_TIMEOUT',
    });
    const capped = performance.now() - t1;
    assert.ok(capped >= 450 && capped < 1500, `capped at ${capped.toFixed(0)} ms`);
  });

  it('stops reading a response over the size limit (declared or streamed)', async () => {
    await assert.rejects(client.fetch(req('/big')), { code: 'HTTP_TOO_LARGE' });
    await assert.rejects(client.fetch(req('/big-chunked')), { code: 'HTTP_TOO_LARGE' });
  });

  it('returns redirects instead of following them', async () => {
    const res = await client.fetch(req('/redirect'));
    assert.equal(res.status, 302);
    assert.ok(res.headers.some(([k, v]) => k === 'location' && v === 'http://evil.example/'));
  });

  it('a refused connection is the retryable HTTP_UNREACHABLE', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(client.fetch(req('/', { url: `http://127.0.0.1:${closedPort}/` })), {
      code: 'HTTP_UNREACHABLE',
      retryable: true,
    });
  });
});

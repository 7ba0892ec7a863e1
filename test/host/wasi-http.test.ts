// A component built for other WASI platforms — a plain JavaScript fetch handler made into a
// wasi:http/incoming-handler component by componentize-js — runs unmodified behind the
// http-server provider, under the same limits and deadlines as Aloft-native handlers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, subjectsFor } from '../../src/lattice/index.ts';
import { freePort, startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { inspectComponent } from '../../src/runtime/index.ts';
import { percentile } from '../../bench/harness.ts';
import { control } from '../support/counter-app.ts';
import { recordEvents, startComponent, writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';
import { wasiHttpFixture } from '../support/wasi-http.ts';
import { signed, TEST_TRUST } from '../support/signing.ts';

const lattice = 'wasihttp';

/** POSTs `body` with node:http and resolves with the status. */
function postStatus(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe(
  'wasi:http/incoming-handler components behind the http-server provider',
  { timeout: 240_000 },
  () => {
    const dir = tempDir('aloft-wasi-http-');
    let topo: Topology;
    let nc: NatsConnection;
    let host: Host;
    let base: string;
    let bytes: Uint8Array;

    before(async () => {
      topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
      nc = await connectLattice({ servers: topo.urls() });
      host = await startHost({
        lattice,
        servers: topo.urls(),
        labels: {},
        name: 'web',
        cacheDir: `${dir.path}/cache`,
        security: TEST_TRUST,
      });
      bytes = await signed(await wasiHttpFixture(), { name: 'web' });
      const ref = writeComponent(dir.path, 'web', bytes);
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const events = recordEvents(nc, lattice, ['component_started', 'provider_started']);
      await control(
        nc,
        lattice,
        'provider.start',
        {
          name: 'http',
          kind: 'http-server',
          config: {
            address: `127.0.0.1:${port}`,
            request_timeout_ms: '3000',
            max_body_bytes: '1024',
          },
        },
        host.id,
      );
      await startComponent(nc, lattice, host.id, { name: 'web', ref, count: 2 });
      await events.waitFor('provider_started', (d) => d.name === 'http');
      await events.waitFor('component_started', (d) => d.name === 'web', 120_000);
      events.stop();
      await control(nc, lattice, 'link.put', {
        source: 'http',
        target: 'web',
        interface: 'wasi:http/incoming-handler',
      });
      for (let i = 0; ; i++) {
        const r = await fetch(`${base}/json`).catch(() => undefined);
        if (r?.status === 200) break;
        if (i > 200) throw new Error('the HTTP route never came up');
        await new Promise((res) => setTimeout(res, 50));
      }
    });

    after(async () => {
      await host.stop(1000);
      await nc.close();
      await topo.destroy();
      dir.remove();
    });

    it('is a standard component: it exports wasi:http/incoming-handler and imports only WASI', async () => {
      const info = await inspectComponent(bytes);
      assert.deepEqual(
        info.exports.map((e) => e.name),
        ['wasi:http/incoming-handler@0.2.10'],
      );
      assert.ok(info.imports.every((i) => i.name.startsWith('wasi:')));
      assert.ok(info.imports.some((i) => i.name === 'wasi:http/types@0.2.10'));
      assert.equal(info.check.ok, true);
      assert.equal(info.check.wasiHttp, true);
    });

    it('serves method, path, query, headers and body, and the status and headers it sets', async () => {
      const res = await fetch(`${base}/echo?x=1`, {
        method: 'POST',
        headers: { 'x-probe': 'p-1' },
        body: 'hello',
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-echo'), 'p-1');
      assert.equal(await res.text(), 'POST /echo?x=1 hello');
      const json = await fetch(`${base}/json`);
      assert.deepEqual(await json.json(), { host: base.slice('http://'.length), now: 'number' });
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      // The body limit is the server's, before any component runs: the same for every handler.
      // (node:http with no keep-alive: the 413 closes the connection before the body is sent.)
      assert.equal(await postStatus(`${base}/echo`, 'x'.repeat(2000)), 413);
    });

    it('answers many requests, in sequence and at once (a fresh instance per request)', async () => {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const res = await fetch(`${base}/echo?i=${i}`, { method: 'POST', body: String(i) });
        assert.equal(await res.text(), `POST /echo?i=${i} ${i}`);
        times.push(performance.now() - t0);
      }
      const parallel = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          fetch(`${base}/echo?p=${i}`, { method: 'PUT', body: 'x' }).then((r) => r.text()),
        ),
      );
      assert.deepEqual(
        parallel,
        Array.from({ length: 8 }, (_, i) => `PUT /echo?p=${i} x`),
      );
      console.log(
        `wasi:http request, sequential, 2 instances: p50 ${percentile(times, 50).toFixed(1)} ms, ` +
          `max ${Math.max(...times).toFixed(1)} ms`,
      );
    });

    it('stdout and stderr become log lines; outgoing HTTP is refused', async () => {
      const lines: Record<string, unknown>[] = [];
      let two: () => void = () => undefined;
      const gotTwo = new Promise<void>((r) => (two = r));
      const sub = nc.subscribe(subjectsFor(lattice).logs('web'), {
        callback: (_e, m) => {
          lines.push(m.json<Record<string, unknown>>());
          if (lines.length === 2) two();
        },
      });
      await nc.flush();
      assert.equal(await (await fetch(`${base}/log`)).text(), 'logged');
      await gotTwo;
      sub.unsubscribe();
      assert.deepEqual(
        lines.map((l) => [l.level, l.context, l.msg]),
        [
          ['info', 'stdout', 'hello from wasi:http'],
          ['warn', 'stderr', 'and a warning'],
        ],
      );
      const refused = await fetch(`${base}/fetch`);
      assert.equal(refused.status, 502);
      assert.match(await refused.text(), /^refused: /);
    });

    it('the same limits as native handlers: body limit (413) and deadline (504), then it serves again', async () => {
      const t0 = performance.now();
      const spin = await fetch(`${base}/spin`);
      const ms = performance.now() - t0;
      assert.equal(spin.status, 504);
      assert.ok(ms >= 2900 && ms < 6000, `answered after ${ms.toFixed(0)} ms`);
      const again = await fetch(`${base}/echo`, { method: 'POST', body: 'after' });
      assert.equal(await again.text(), 'POST /echo after');
    });
  },
);

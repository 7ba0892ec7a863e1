import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { recordPid, startNatsServer, type NatsServer } from '../../src/nats/index.ts';
import { HEALTH_PATHS } from '../../src/telemetry/index.ts';
import { aloft } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'aloft.js');

/** Starts `aloft <args>` and resolves with its announcement line (JSON) and the process. */
async function start(
  args: string[],
): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  recordPid(child.pid ?? 0, `aloft ${args[0] ?? ''} (health test)`);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`aloft ${args[0]} exited ${code}: ${stderr}`)));
  });
  return { child, info: JSON.parse(line) as Record<string, unknown> };
}

const stopped = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

async function get(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, body: await res.text() };
}

/** Polls `path` until it answers `status` (a readiness flip has no event to await from outside). */
async function until(
  port: number,
  path: string,
  status: number,
  timeoutMs = 15_000,
): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const res = await get(port, path).catch(() => ({ status: 0 }));
    if (res.status === status) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs)
      throw new Error(
        `${path} still answered ${res.status} after ${timeoutMs} ms, wanted ${status}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The probes deploy/kubernetes points at, against real `aloft host` and `aloft reconciler` processes. */
describe(
  'health endpoints (--health-port) of a real host and reconciler',
  { timeout: 120_000 },
  () => {
    const dir = tempDir('aloft-health-');
    let nats: NatsServer;
    let host: ChildProcess;
    let hostId: string;
    let port: number;

    before(async () => {
      nats = await startNatsServer(
        { name: 'h1', port: -1, httpPort: -1, jetstream: { storeDir: join(dir.path, 'js') } },
        { dir: join(dir.path, 'nats') },
      );
      const started = await start([
        'host',
        '--nats-url',
        nats.url,
        '--lattice',
        'health',
        '--data-dir',
        join(dir.path, 'host'),
        '--health-port',
        '0',
      ]);
      host = started.child;
      hostId = String(started.info.hostId);
      port = Number(started.info.healthPort);
    });

    after(async () => {
      host.kill('SIGKILL');
      await stopped(host);
      await nats.stop();
      dir.remove();
    });

    it('a running host is live and ready; other paths and methods are refused', async () => {
      assert.ok(port > 0, 'the host announces the port it serves health on');
      assert.deepEqual(await get(port, HEALTH_PATHS.live), {
        status: 200,
        body: '{"status":"ok"}\n',
      });
      assert.deepEqual(await get(port, HEALTH_PATHS.ready), {
        status: 200,
        body: '{"status":"ok"}\n',
      });
      assert.equal((await get(port, '/healthz')).status, 404);
      assert.equal((await get(port, HEALTH_PATHS.ready, 'POST')).status, 405);
    });

    it('loses readiness, not liveness, while NATS is down, and gets it back on reconnect', async () => {
      const spec = nats.spec;
      const clientPort = nats.ports.client;
      await nats.stop(0);
      await until(port, HEALTH_PATHS.ready, 503);
      assert.equal((await get(port, HEALTH_PATHS.live)).status, 200);
      nats = await startNatsServer({ ...spec, port: clientPort }, { dir: join(dir.path, 'nats') });
      await until(port, HEALTH_PATHS.ready, 200);
    });

    it('a draining host is not ready but stays live (so Kubernetes never restarts it mid-drain)', async () => {
      const res = await aloft(['drain', hostId, '--nats-url', nats.url, '--lattice', 'health']);
      assert.equal(res.code, 0, res.stderr);
      await until(port, HEALTH_PATHS.ready, 503);
      assert.equal((await get(port, HEALTH_PATHS.live)).status, 200);
    });

    it('a reconciler serves the same probes and stops cleanly on SIGTERM', async () => {
      const { child, info } = await start([
        'reconciler',
        '--nats-url',
        nats.url,
        '--lattice',
        'health',
        '--health-port',
        '0',
      ]);
      const p = Number(info.healthPort);
      assert.equal((await get(p, HEALTH_PATHS.ready)).status, 200);
      assert.equal((await get(p, HEALTH_PATHS.live)).status, 200);
      child.kill('SIGTERM');
      await stopped(child);
      assert.equal(child.exitCode, 0);
      await assert.rejects(get(p, HEALTH_PATHS.live), 'the port is closed once it has stopped');
    });

    it('rejects a bad --health-port with a clear message', async () => {
      const res = await aloft(['host', '--nats-url', nats.url, '--health-port', '80a']);
      assert.equal(res.code, 2);
      assert.equal(
        res.stderr.trim(),
        'aloft host: --health-port must be a port number (0-65535), not "80a"',
      );
    });
  },
);

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../../src/nats/index.ts';
import { connectLattice } from '../../src/lattice/index.ts';
import { aloft } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

const dirs: { remove(): void }[] = [];
function home(): string {
  const d = tempDir('aloft-up-');
  dirs.push(d);
  return d.path;
}

function upPids(dataDir: string): number[] {
  const state = JSON.parse(readFileSync(join(dataDir, 'up.json'), 'utf8')) as {
    processes: { pid: number }[];
  };
  return state.processes.map((p) => p.pid);
}

/** A bad input gives one line on stderr, a non-zero exit and no stack trace. */
function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('aloft up / down', { timeout: 60_000 }, () => {
  after(() => dirs.forEach((d) => d.remove()));

  it('up starts NATS with JetStream and accounts, a host, a reconciler and the dashboard; a second up reports them; down stops exactly them', async () => {
    const dataDir = home();
    const env = { ALOFT_HOME: dataDir };
    const first = await aloft(
      ['up', '--port', String(await freePort()), '--dashboard-port', '0'],
      env,
    );
    assert.equal(first.code, 0, first.stderr);
    const url = /NATS:\s+(\S+)/.exec(first.stdout)?.[1];
    assert.ok(url, first.stdout);
    const pids = upPids(dataDir);
    assert.equal(pids.length, 4, 'nats-server, one host, one reconciler, the dashboard');
    const dashboard = /dashboard:\s+(http:\S+)/.exec(first.stdout)?.[1];
    assert.ok(dashboard, first.stdout);
    // The dashboard watches the same lattice: the page lists the local host within a beat or two.
    let page = '';
    for (let i = 0; i < 50 && !page.includes('data-host="local"'); i++) {
      page = await (await fetch(dashboard)).text();
      if (!page.includes('data-host="local"')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(page, /data-host="local"[^>]*data-status="up"/);
    // Browser tabs join from the dashboard's /join, which hands them up's WebSocket listener.
    const ws = /WebSocket:\s+(ws:\S+)/.exec(first.stdout)?.[1];
    assert.ok(ws, first.stdout);
    assert.match(first.stdout, new RegExp(`open ${dashboard}join in a tab`));
    const joinPage = await fetch(`${dashboard}join`);
    assert.equal(joinPage.status, 200);
    assert.equal(joinPage.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const html = await joinPage.text();
    assert.ok(html.includes(`"servers":["${ws}"]`));
    // Under accounts each tab gets a user of its own through the challenge; the page itself
    // carries no credentials at all.
    assert.match(
      html,
      /"auth":\{"challengeUrl":"\/join\/challenge","credentialsUrl":"\/join\/credentials"\}/,
    );
    assert.doesNotMatch(html, /"credentials"|-----BEGIN|SU[A-Z2-7]{56}/);
    assert.ok(pids.every(isAlive));
    const hosts = await aloft(['get', 'hosts', '--json'], env);
    assert.equal(hosts.code, 0, hosts.stderr);
    assert.equal(
      (JSON.parse(hosts.stdout) as { name: string }[]).map((h) => h.name).join(),
      'local',
    );

    // The local lattice looks like production: no credentials, no connection; the host and the
    // reconciler run on their roles' credentials, the CLI on the admin's.
    await assert.rejects(connectLattice({ servers: url, connectTimeoutMs: 2000 }), {
      code: 'NATS_AUTH_FAILED',
    });
    const creds = join(dataDir, 'nats', 'auth', 'creds', 'default');
    const ps = readFileSync(join(dataDir, 'logs', 'host.out'), 'utf8');
    assert.ok(ps.includes('hostId'), ps);
    const nc = await connectLattice({ servers: url, credsFile: join(creds, 'admin.creds') });
    const { jetstreamManager } = await import('@nats-io/jetstream');
    await (await jetstreamManager(nc)).getAccountInfo(); // JetStream is on
    await nc.close();
    const asHost = await connectLattice({ servers: url, credsFile: join(creds, 'host.creds') });
    const hostId = (JSON.parse(hosts.stdout) as { hostId: string }[])[0]?.hostId ?? '';
    await assert.rejects(
      asHost.request(`aloft.default.ctl.v1.host.stop.${hostId}`, '{}', { timeout: 2000 }),
      /Permissions Violation/,
    );
    await asHost.close();
    const viaHostCreds = await aloft(
      ['cordon', 'local', '--creds', join(creds, 'host.creds')],
      env,
    );
    assert.equal(viaHostCreds.code, 6, viaHostCreds.stderr);
    assert.match(
      viaHostCreds.stderr,
      /permission denied: the host credentials of lattice default \(host@default\) may not publish to aloft\.default\.ctl\.v1\.host\.cordon\./,
    );

    const second = await aloft(['up'], env);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /already running/);
    assert.deepEqual(upPids(dataDir), pids, 'no second instance');

    const down = await aloft(['down'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(
      pids.every((p) => !isAlive(p)),
      'everything up started is gone',
    );
    const again = await aloft(['down'], env);
    assert.match(again.stdout, /nothing to stop/);
  });

  it('a bad --nats-url is one clear line and a non-zero exit', async () => {
    const env = { ALOFT_HOME: home() };
    assertOneLineError(
      await aloft(['up', '--nats-url', 'http://nowhere'], env),
      /invalid NATS URL/,
    );
    const port = await freePort();
    assertOneLineError(
      await aloft(['up', '--nats-url', `nats://127.0.0.1:${port}`], env),
      /cannot reach NATS/,
    );
  });

  it('a missing nats-server binary says what to install', async () => {
    const r = await aloft(['up'], {
      ALOFT_HOME: home(),
      ALOFT_NATS_SERVER: '/nonexistent/nats-server',
    });
    assertOneLineError(r, /nats-server not found.*apt-get install nats-server/);
  });

  it('a port in use names the port and what to do', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await aloft(['up', '--port', String(port)], { ALOFT_HOME: home() });
      assertOneLineError(r, new RegExp(`port ${port} is already in use.*choose another port`));
    } finally {
      blocker.close();
    }
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

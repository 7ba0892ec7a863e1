import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectLattice, encodeJson, request, subjectsFor } from '../../src/lattice/index.ts';
import { aloft } from '../support/cli.ts';
import { tempDir } from '../support/tmp.ts';

/** `aloft sim up --auth`: the simulated clouds' NATS with accounts, every process on its role. */
describe('aloft sim up --auth', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-sim-auth-');
  const env = { ALOFT_HOME: dir.path };
  after(async () => {
    await aloft(['sim', 'down'], env);
    dir.remove();
  });

  it('deploys the sample and serves from every cloud on role credentials, none refused; nothing without', async () => {
    const r = await aloft(
      [
        'sim',
        'up',
        '--auth',
        '--clouds',
        'aws,gcp',
        '--hosts-per-cloud',
        '1',
        '--rate',
        '5',
        '--duration',
        '2',
        '--dashboard-port',
        '0',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const done = /load finished: (\d+) requests ok, (\d+) failed/.exec(r.stdout);
    assert.ok(done, r.stdout);
    assert.ok(Number(done[1]) > 0, r.stdout);
    // Every process (hosts, HTTP ingresses, reconcilers, dashboard, the supervisor) did all it did
    // on its role's credentials: no server refused anything.
    const natsDir = join(dir.path, 'sim', 'nats');
    const refusals = readdirSync(natsDir).flatMap((server) =>
      readFileSync(join(natsDir, server, `${server}.log`), 'utf8')
        .split('\n')
        .filter((l) => /Violation/.test(l)),
    );
    assert.deepEqual(refusals, []);

    const state = JSON.parse(readFileSync(join(dir.path, 'sim', 'sim.json'), 'utf8')) as {
      lattice: string;
      clouds: Record<string, { nats: { url: string }[]; hosts: { hostId: string }[] }>;
      auth?: { creds: Record<string, string> };
    };
    const urls = Object.values(state.clouds).flatMap((c) => c.nats.map((n) => n.url));
    const creds = state.auth?.creds ?? {};
    assert.ok(creds.host && creds.admin, JSON.stringify(state.auth));
    await assert.rejects(connectLattice({ servers: urls, connectTimeoutMs: 2000 }), {
      code: 'NATS_AUTH_FAILED',
    });
    const hostCreds = await connectLattice({ servers: urls, credsFile: creds.host });
    try {
      const hostId = Object.values(state.clouds)[0]?.hosts[0]?.hostId ?? '';
      await assert.rejects(
        request(
          hostCreds,
          subjectsFor(state.lattice).control('component.stop', hostId),
          encodeJson({ name: 'counter' }),
          { timeoutMs: 2000 },
        ),
        { code: 'PERMISSION_DENIED' },
      );
    } finally {
      await hostCreds.close();
    }
  });
});

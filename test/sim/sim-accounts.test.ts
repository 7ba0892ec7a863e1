import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectLattice,
  createCaller,
  encodeJson,
  request,
  subjectsFor,
} from '../../src/lattice/index.ts';
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

  it('deploys the sample and serves calls from every cloud on role credentials; nothing without', async () => {
    const r = await aloft(
      ['sim', 'up', '--auth', '--hosts-per-cloud', '1', '--rate', '10', '--duration', '3'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const done = /load finished: (\d+) calls ok, (\d+) failed/.exec(r.stdout);
    assert.ok(done, r.stdout);
    assert.ok(Number(done[1]) > 0, r.stdout);
    assert.equal(Number(done[2]), 0, r.stdout);

    const state = JSON.parse(readFileSync(join(dir.path, 'sim', 'sim.json'), 'utf8')) as {
      lattice: string;
      clouds: Record<string, { nats: { url: string }[]; hosts: { hostId: string }[] }>;
      auth?: { creds: Record<string, string> };
    };
    const urls = Object.values(state.clouds).flatMap((c) => c.nats.map((n) => n.url));
    const creds = state.auth?.creds ?? {};
    assert.ok(creds.host && creds.ingress && creds.admin, JSON.stringify(state.auth));
    await assert.rejects(connectLattice({ servers: urls, connectTimeoutMs: 2000 }), {
      code: 'NATS_AUTH_FAILED',
    });
    const ingress = await connectLattice({ servers: urls, credsFile: creds.ingress });
    const hostCreds = await connectLattice({ servers: urls, credsFile: creds.host });
    try {
      const out = await createCaller(ingress, { lattice: state.lattice }).call(
        'echo',
        'echo',
        new TextEncoder().encode('hi'),
        { timeoutMs: 5000 },
      );
      assert.equal(new TextDecoder().decode(out), 'hi');
      const hostId = Object.values(state.clouds)[0]?.hosts[0]?.hostId ?? '';
      await assert.rejects(
        request(
          hostCreds,
          subjectsFor(state.lattice).control('component.stop', hostId),
          encodeJson({ name: 'echo' }),
          { timeoutMs: 2000 },
        ),
        { code: 'PERMISSION_DENIED' },
      );
    } finally {
      await Promise.all([ingress.close(), hostCreds.close()]);
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { recordPid, signalPid } from '../../src/nats/index.ts';
import { fixture } from '../runtime/fixtures.ts';
import { aloft } from '../support/cli.ts';
import { writeComponent } from '../support/lattice.ts';
import { tempDir } from '../support/tmp.ts';

/** The CLI verbs against a real lattice started with `aloft up`. */
describe('aloft lattice commands', { timeout: 120_000 }, () => {
  const dir = tempDir('aloft-cli-');
  const env = { ALOFT_HOME: dir.path };
  const devIssuer = (): string => join(dir.path, 'keys', 'dev-issuer.nk');
  let hostName = '';

  before(async () => {
    const up = await aloft(['up', '--dashboard-port', '0'], env);
    assert.equal(up.code, 0, up.stderr);
    const hosts = JSON.parse((await aloft(['get', 'hosts', '--json'], env)).stdout) as {
      name: string;
    }[];
    hostName = hosts[0]?.name ?? '';
  });

  after(async () => {
    await aloft(['down'], env);
    dir.remove();
  });

  it('up makes a development issuer and secrets key (mode 0600) and a policy trusting them', async () => {
    for (const f of ['dev-issuer.nk', 'secrets.xk']) {
      assert.equal(statSync(join(dir.path, 'keys', f)).mode & 0o777, 0o600, f);
    }
    const issuer = await aloft(['keys', 'public', devIssuer()], env);
    const policy = await aloft(['policy', 'show'], env);
    assert.equal(policy.code, 0, policy.stderr);
    assert.match(policy.stdout, new RegExp(`trusted issuers: +${issuer.stdout.trim()}`));
    assert.match(policy.stdout, /unsigned allowed: +no/);
    assert.match(policy.stdout, /secrets sealed for X/);
  });

  it('start component, call, get inventory, scale, stop; events are followed', async () => {
    const file = writeComponent(dir.path, 'probe', await fixture('probe-as'));
    // Follow events in the background while the commands run.
    const follower = spawn(
      process.execPath,
      [
        join(import.meta.dirname, '..', '..', 'bin', 'aloft.js'),
        'events',
        '--type',
        'component_started,component_stopped',
        '--count',
        '2',
      ],
      {
        env: { ...process.env, ...env },
      },
    );
    recordPid(follower.pid ?? 0, 'aloft events');
    const lines: string[] = [];
    createInterface({ input: follower.stdout }).on('line', (l) => lines.push(l));
    const followerDone = new Promise((r) => follower.once('exit', r));
    // It says so on stderr once it is subscribed.
    await new Promise<void>((resolve) =>
      createInterface({ input: follower.stderr }).once('line', () => resolve()),
    );

    // The host `up` started runs signed components only: an unsigned one is refused, and the
    // requester is told why and how to fix it.
    const refused = await aloft(['start', 'component', file, 'probe', '--count', '2'], env);
    assert.equal(refused.code, 4, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /refused probe: the component is not signed.*aloft claims sign/);
    // Signed with the development issuer `up` made, it runs.
    const sign = await aloft(['claims', 'sign', file, '--issuer', devIssuer()], env);
    assert.equal(sign.code, 0, sign.stderr);
    const start = await aloft(['start', 'component', file, 'probe', '--count', '2'], env);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /started probe on local .*2 instance\(s\), signed by A/);

    // The call retries while the component is still loading (nobody serves it yet).
    const call = await aloft(['call', 'probe', 'echo', '--data', 'hello lattice'], env);
    assert.equal(call.code, 0, call.stderr);
    assert.equal(call.stdout, 'hello lattice\n');

    const inv = await aloft(['get', 'inventory', hostName, '--json'], env);
    const parsed = JSON.parse(inv.stdout) as { components: { name: string; count: number }[] }[];
    assert.deepEqual(
      parsed[0]?.components.map((c) => [c.name, c.count]),
      [['probe', 2]],
    );

    assert.equal((await aloft(['stop', 'component', hostName, 'probe'], env)).code, 0);
    await followerDone;
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0] ?? '', /component_started/);
    assert.match(lines[1] ?? '', /component_stopped/);
    signalPid(follower.pid ?? 0, 'SIGKILL');
  });

  it('errors are one line with a code-specific exit: unknown component, unknown host, bad usage', async () => {
    const missing = await aloft(['call', 'nope', 'echo', '--timeout-ms', '300'], env);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /call to nope \(echo\) failed within 300 ms/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    const noHost = await aloft(['cordon', 'no-such-host'], env);
    assert.equal(noHost.code, 5);
    assert.match(noHost.stderr, /no host "no-such-host".*aloft get hosts/);
    const usage = await aloft(['scale', 'component', hostName, 'probe', 'many'], env);
    assert.equal(usage.code, 2);
  });

  it('cordon and uncordon show in get hosts', async () => {
    assert.equal((await aloft(['cordon', hostName], env)).code, 0);
    assert.match((await aloft(['get', 'hosts'], env)).stdout, /cordoned/);
    assert.equal((await aloft(['uncordon', hostName], env)).code, 0);
    assert.match((await aloft(['get', 'hosts'], env)).stdout, /ready/);
  });

  it('app validate / deploy / status / list / undeploy through the reconciler aloft up started', async () => {
    const bad = join(dir.path, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: x\nspec:\n  components:\n    - name: a\n      type: component\n      properties:\n        image: ./a.wasm\n      traits:\n        - type: spreadscaler\n          properties:\n            instances: three\n',
    );
    const invalid = await aloft(['app', 'validate', bad], env);
    assert.equal(invalid.code, 4);
    assert.match(invalid.stderr, /bad\.yaml:14:\d+ .*instances/);

    const image = writeComponent(dir.path, 'app-probe', await fixture('probe-as'));
    assert.equal((await aloft(['claims', 'sign', image, '--issuer', devIssuer()], env)).code, 0);
    const good = join(dir.path, 'good.yaml');
    writeFileSync(
      good,
      `apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: probe-app\n  annotations:\n    version: v1\nspec:\n  components:\n    - name: probe-app\n      type: component\n      properties:\n        image: ${image}\n      traits:\n        - type: spreadscaler\n          properties:\n            instances: 1\n`,
    );
    assert.equal((await aloft(['app', 'validate', good], env)).code, 0);
    const missing = join(dir.path, 'missing.yaml');
    writeFileSync(missing, readFileSync(good, 'utf8').replace(image, './nowhere.wasm'));
    const unfetchable = await aloft(['app', 'validate', missing], env);
    assert.equal(unfetchable.code, 4);
    assert.match(
      unfetchable.stderr,
      /spec\.components\[0\]\.properties\.image: component probe-app: image \.\/nowhere\.wasm cannot be fetched: no file at .*aloft build/,
    );
    const deployed = await aloft(['app', 'deploy', good], env);
    assert.equal(deployed.code, 0, deployed.stderr);
    const call = await aloft(
      ['call', 'probe-app', 'echo', '--data', 'deployed', '--timeout-ms', '20000'],
      env,
    );
    assert.equal(call.stdout, 'deployed\n', call.stderr);
    const list = await aloft(['app', 'list'], env);
    assert.match(list.stdout, /probe-app\s+v1\s+deployed/);
    const status = await aloft(['app', 'status', 'probe-app'], env);
    assert.match(status.stdout, /probe-app v1: (Deployed|Reconciling)/);
    assert.equal((await aloft(['app', 'undeploy', 'probe-app'], env)).code, 0);
  });
});

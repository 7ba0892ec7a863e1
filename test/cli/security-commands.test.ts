// The security verbs of the CLI, driven in-process: keys gen/public, claims sign/inspect, and
// `aloft build` signing with the development issuer (`aloft up` makes one; see lattice-commands).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/command.ts';
import { embeddedJwt, verifyComponent } from '../../src/security/index.ts';
import { fixture, root } from '../runtime/fixtures.ts';
import { tempDir } from '../support/tmp.ts';

function io(
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): CliIO & { stdout: string[]; stderr: string[]; all(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    env,
    cwd,
    all: () => [...stdout, ...stderr].join('\n'),
  };
}

describe('aloft keys / claims / build signing', { timeout: 120_000 }, () => {
  const dir = tempDir('aloft-sec-cli-');
  after(() => dir.remove());

  it('keys gen writes the seed with mode 0600, prints only the public key, and never overwrites', async () => {
    for (const [kind, letter] of [
      ['operator', 'O'],
      ['account', 'A'],
      ['user', 'U'],
      ['host', 'N'],
      ['component', 'M'],
      ['curve', 'X'],
    ] as const) {
      const c = io(dir.path);
      assert.equal(await main(['keys', 'gen', kind, '--out', `keys/${kind}.nk`], c), 0, c.all());
      const file = path.join(dir.path, 'keys', `${kind}.nk`);
      assert.equal(statSync(file).mode & 0o777, 0o600, `${kind} seed file mode`);
      const seed = /^S[A-Z2-7]+$/m.exec(readFileSync(file, 'utf8'))?.[0] ?? '';
      assert.equal(seed.slice(0, 2), `S${letter}`);
      assert.equal(c.stdout.length, 1);
      assert.match(c.stdout[0] ?? '', new RegExp(`^${letter}[A-Z2-7]{55}$`));
      assert.ok(!c.all().includes(seed), 'the seed was printed');
      const pub = io(dir.path);
      assert.equal(await main(['keys', 'public', `keys/${kind}.nk`], pub), 0);
      assert.deepEqual(pub.stdout, c.stdout);
    }
    const again = io(dir.path);
    assert.equal(await main(['keys', 'gen', 'account', '--out', 'keys/account.nk'], again), 4);
    assert.match(again.all(), /already exists; not overwriting a key/);
    const printed = io(dir.path);
    assert.equal(await main(['keys', 'gen', 'account', '--print-seed'], printed), 0);
    assert.match(printed.stdout[1] ?? '', /^SA[A-Z2-7]+$/);
    const lost = io(dir.path);
    assert.equal(await main(['keys', 'gen', 'account'], lost), 2);
    assert.match(lost.all(), /give --out FILE/);
    const bad = io(dir.path);
    assert.equal(await main(['keys', 'gen', 'wizard', '--out', 'x'], bad), 2);
    assert.match(
      bad.all(),
      /one of operator, account, user, host, component, curve \(not "wizard"\)/,
    );
  });

  it('claims sign embeds the claims; inspect shows them and fails on a changed byte or none', async () => {
    const wasm = path.join(dir.path, 'probe.wasm');
    writeFileSync(wasm, await fixture('probe-as'));
    const unsigned = io(dir.path);
    assert.equal(await main(['claims', 'inspect', 'probe.wasm'], unsigned), 4);
    assert.match(unsigned.all(), /not signed/);

    const sign = io(dir.path);
    const args = [
      'claims',
      'sign',
      'probe.wasm',
      '--issuer',
      'keys/account.nk',
      '--component-key',
      'keys/component.nk',
      '--caps',
      'keyvalue,logging',
      '--version',
      '1.2.0',
      '--expires',
      '30d',
    ];
    assert.equal(await main(args, sign), 0, sign.all());
    assert.match(
      sign.stdout[0] ?? '',
      /signed probe\.wasm: issuer A.*, component M.*, caps keyvalue, logging, expires 20/,
    );
    assert.match(sign.all(), /note: the component imports .*config.* but its claims do not allow/);

    const shown = io(dir.path);
    assert.equal(await main(['claims', 'inspect', 'probe.wasm', '--json'], shown), 0);
    const info = JSON.parse(shown.stdout.join('\n')) as {
      valid: boolean;
      payload: {
        iss: string;
        sub: string;
        exp: number;
        aloft: { name: string; version: string; caps: string[] };
      };
    };
    assert.equal(info.valid, true);
    assert.equal(info.payload.aloft.name, 'probe');
    assert.equal(info.payload.aloft.version, '1.2.0');
    assert.deepEqual(info.payload.aloft.caps, ['keyvalue', 'logging']);
    assert.ok(Math.abs(info.payload.exp - (Date.now() / 1000 + 30 * 86400)) < 120);
    const accountPub = readFileSync(path.join(dir.path, 'keys', 'account.nk'), 'utf8').match(
      / (A[A-Z2-7]{55})/,
    )?.[1];
    assert.equal(info.payload.iss, accountPub);
    const bytes = new Uint8Array(readFileSync(wasm));
    const verdict = await verifyComponent(bytes, {
      trustedIssuers: [info.payload.iss],
      allowUnsigned: false,
    });
    assert.ok(verdict.signed);

    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(path.join(dir.path, 'changed.wasm'), bytes);
    const changed = io(dir.path);
    assert.equal(await main(['claims', 'inspect', 'changed.wasm'], changed), 4);
    assert.match(changed.all(), /DOES NOT MATCH: altered after signing/);

    const badCaps = io(dir.path);
    assert.equal(
      await main(
        [
          'claims',
          'sign',
          'probe.wasm',
          '--issuer',
          'keys/account.nk',
          '--caps',
          'keyvalue,teleport',
        ],
        badCaps,
      ),
      2,
    );
    assert.match(badCaps.all(), /unknown capability in --caps: teleport/);
    const badTime = io(dir.path);
    assert.equal(
      await main(
        ['claims', 'sign', 'probe.wasm', '--issuer', 'keys/account.nk', '--expires', 'soon'],
        badTime,
      ),
      2,
    );
    assert.match(badTime.all(), /--expires "soon" is neither a date/);
    const wrongKey = io(dir.path);
    assert.equal(
      await main(['claims', 'sign', 'probe.wasm', '--issuer', 'keys/user.nk'], wrongKey),
      4,
    );
    assert.match(wrongKey.all(), /the issuer seed .*user\.nk is a user key; expected account/);
  });

  it('build signs with the development issuer of the data directory, and says so when it cannot', async () => {
    // Inside the repository, so the example's SDK import resolves as in a project.
    const out = path.join(dir.path, 'hello.wasm');
    const home = path.join(dir.path, 'home');
    mkdirSync(home);
    const entry = path.join(root, 'examples', 'hello-as', 'index.ts');
    const none = io(root, { ALOFT_HOME: home });
    assert.equal(await main(['build', entry, '-o', out], none), 0, none.all());
    assert.match(none.all(), /not signed: no signing key configured/);
    assert.equal(embeddedJwt(new Uint8Array(readFileSync(out))), undefined);

    const keys = io(root, { ALOFT_HOME: home });
    assert.equal(
      await main(
        ['keys', 'gen', 'account', '--out', path.join(home, 'keys', 'dev-issuer.nk')],
        keys,
      ),
      0,
    );
    const dev = io(root, { ALOFT_HOME: home });
    assert.equal(await main(['build', entry, '-o', out], dev), 0, dev.all());
    assert.match(
      dev.all(),
      /signed with the development issuer of "aloft up": issuer A[A-Z2-7]+, component M[A-Z2-7]+, caps/,
    );
    const bytes = new Uint8Array(readFileSync(out));
    const verdict = await verifyComponent(bytes, {
      trustedIssuers: [keys.stdout[0] ?? ''],
      allowUnsigned: false,
    });
    assert.ok(verdict.signed && verdict.claims.aloft.name === 'hello-as');
  });
});

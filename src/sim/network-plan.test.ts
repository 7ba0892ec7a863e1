import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addCut,
  cutScript,
  newPrefix,
  pickAccessOctet,
  planNetwork,
  PREFIX_PATTERN,
  removeCuts,
  setupCommands,
} from './network-plan.ts';

describe('simulation network plan', () => {
  const plan = planNetwork('alabcde', ['aws', 'gcp', 'azure'], 7);

  it('gives every cloud its own namespace, WAN address and access /30, with names that fit', () => {
    assert.deepEqual(plan.clouds.gcp, {
      ns: 'alabcde-gcp',
      wanIp: '10.232.0.11',
      accessIp: '10.233.7.6',
      hostIp: '10.233.7.5',
      wanVeth: 'alabcdew1',
      bridgePort: 'alabcdeb1',
      hostVeth: 'alabcdea1',
      accessVeth: 'alabcdec1',
    });
    for (const c of Object.values(plan.clouds)) {
      for (const name of [c.wanVeth, c.bridgePort, c.hostVeth, c.accessVeth])
        assert.ok(name.length <= 15, name);
    }
    assert.match(newPrefix(), PREFIX_PATTERN);
  });

  it('refuses cloud names that cannot name a namespace', () => {
    assert.throws(() => planNetwork('alabcde', ['AWS/1'], 1), /cloud name "AWS\/1"/);
  });

  it('picks an access /24 that no route of this machine uses', () => {
    const routes = '10.233.0.0/30 dev x\n10.233.1.4/30 dev y\n';
    assert.equal(
      pickAccessOctet(routes, () => 0),
      2,
    );
    assert.equal(
      pickAccessOctet('', () => 0.5),
      128,
    );
  });

  it('creates the bridge first and moves each veth end into its namespace', () => {
    const cmds = setupCommands(plan).map((c) => c.join(' '));
    assert.equal(cmds[0], 'netns add alabcde-wan');
    assert.ok(cmds.includes('link set alabcdeb0 netns alabcde-wan'));
    assert.ok(cmds.includes('-n alabcde-aws addr add 10.232.0.10/24 dev alabcdew0'));
    assert.ok(cmds.includes('addr add 10.233.7.1/30 dev alabcdea0'));
  });

  it('turns directed cuts into drop rules on both ends', () => {
    let cuts = addCut([], 'aws', 'gcp');
    cuts = addCut(cuts, 'azure', 'aws', true);
    assert.deepEqual(cuts, [
      { from: 'aws', to: 'gcp' },
      { from: 'gcp', to: 'aws' },
      { from: 'azure', to: 'aws' },
    ]);
    const aws = cutScript(plan, 'aws', cuts);
    assert.match(aws, /ip daddr 10\.232\.0\.11 drop/);
    assert.match(aws, /ip saddr 10\.232\.0\.11 drop/);
    assert.match(aws, /ip saddr 10\.232\.0\.12 drop/);
    assert.doesNotMatch(aws, /ip daddr 10\.232\.0\.12/);
    assert.deepEqual(removeCuts(cuts, 'gcp', 'aws'), [{ from: 'azure', to: 'aws' }]);
    assert.deepEqual(removeCuts(cuts, 'aws'), []);
    assert.doesNotMatch(cutScript(plan, 'gcp', []), /drop/);
  });
});

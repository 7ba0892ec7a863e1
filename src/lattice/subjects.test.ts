import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { subjectsFor, bucketsFor } from './subjects.ts';
import { isValidLatticeName, assertToken } from './names.ts';

describe('subjects', () => {
  it('keeps every subject of a lattice under aloft.<lattice>', () => {
    const s = subjectsFor('prod-eu');
    const all = [
      s.control('host.ping'),
      s.control('component.scale', 'NHOST'),
      s.event('host_lost'),
      s.heartbeat('NHOST'),
      s.rpcOnHost('orders', 'NHOST'),
      s.rpcAny('orders'),
      s.capabilityAny('kv'),
      s.logs('orders'),
    ];
    for (const subject of all) assert.ok(subject.startsWith('aloft.prod-eu.'), subject);
    assert.equal(
      s.control('component.scale', 'NHOST'),
      'aloft.prod-eu.ctl.v1.component.scale.NHOST',
    );
    assert.equal(new Set(all).size, all.length, 'no two purposes share a subject');
  });

  it('one lattice cannot address another by its name', () => {
    for (const bad of ['a.b', 'a*', 'a>', 'a b', '', 'UPPER', 'x'.repeat(33)]) {
      assert.equal(isValidLatticeName(bad), false, bad);
      assert.throws(() => subjectsFor(bad), { code: 'INVALID_INPUT' });
    }
    assert.equal(bucketsFor('default').state, 'aloft_default_state');
  });

  it('rejects subject tokens with wildcards or dots', () => {
    assert.throws(() => assertToken('orders.*', 'component name'), /component name/);
    assert.equal(assertToken('orders-v2', 'component name'), 'orders-v2');
  });
});

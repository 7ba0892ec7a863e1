import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, createServer, createUser, fromPublic } from '@nats-io/nkeys';
import { isServerKey, userKeyOf } from './nkey-codec.ts';

describe('nkey twins: a host id as a NATS user key', () => {
  it('names the same ed25519 key, so the host seed signs for the user key', () => {
    for (let i = 0; i < 5; i++) {
      const host = createServer();
      const user = userKeyOf(host.getPublicKey());
      assert.match(user, /^U[A-Z2-7]{55}$/);
      assert.equal(user.slice(1, 53), host.getPublicKey().slice(1, 53), 'same key bytes');
      const data = new TextEncoder().encode(`nonce ${i}`);
      // fromPublic checks the prefix and the checksum: a well-formed user key.
      assert.ok(fromPublic(user).verify(data, host.sign(data)));
      assert.equal(fromPublic(user).verify(data, createServer().sign(data)), false);
    }
  });

  it('accepts only well-formed server keys', () => {
    const host = createServer().getPublicKey();
    assert.ok(isServerKey(host));
    assert.equal(isServerKey(createUser().getPublicKey()), false, 'a user key is not a host id');
    assert.equal(isServerKey(createAccount().getPublicKey()), false);
    const flipped = host.slice(0, 20) + (host[20] === 'A' ? 'B' : 'A') + host.slice(21);
    assert.equal(isServerKey(flipped), false, 'checksum');
    assert.equal(isServerKey(host.slice(0, 55)), false);
    assert.equal(isServerKey(host.toLowerCase()), false);
    assert.throws(() => userKeyOf(flipped), { code: 'INVALID_INPUT' });
  });
});

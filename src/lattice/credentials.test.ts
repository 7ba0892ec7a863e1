import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, createUser } from '@nats-io/nkeys';
import { Algorithms, encodeUser, fmtCreds } from '@nats-io/jwt';
import { assertCredentialsFor, describeCredentials, parseCredentials } from './credentials.ts';

async function creds(tags: string[]): Promise<{ text: string; user: string }> {
  const user = createUser();
  const jwt = await encodeUser(
    'host@pay',
    user,
    createAccount(),
    { tags },
    {
      algorithm: Algorithms.v2,
      exp: 2_000_000_000,
    },
  );
  return { text: new TextDecoder().decode(fmtCreds(jwt, user)), user: user.getPublicKey() };
}

describe('credentials files', () => {
  it('reads the user, its role and lattice from an Aloft-issued .creds', async () => {
    const { text, user } = await creds(['aloft-role:host', 'aloft-lattice:pay']);
    const info = parseCredentials(text);
    assert.deepEqual(info, {
      user,
      name: 'host@pay',
      role: 'host',
      lattice: 'pay',
      expires: 2_000_000_000,
    });
    assert.equal(describeCredentials(info), 'the host credentials of lattice pay (host@pay)');
    assertCredentialsFor(info, 'pay');
    assert.throws(() => assertCredentialsFor(info, 'other'), {
      code: 'INVALID_INPUT',
      message: /are for lattice pay, not other/,
    });
  });

  it('accepts foreign credentials without Aloft tags, refuses what is not a creds file', async () => {
    const info = parseCredentials((await creds([])).text);
    assert.equal(info.role, undefined);
    assertCredentialsFor(info, 'anything');
    assert.throws(() => parseCredentials('user: alice\npassword: x', 'alice.creds'), {
      code: 'INVALID_INPUT',
      message: /alice\.creds is not a NATS user credentials/,
    });
  });
});

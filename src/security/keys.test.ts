import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createAccount,
  createCurve,
  createOperator,
  createServer,
  createUser,
  fromPublic,
} from '@nats-io/nkeys';
import { isAloftError } from '../support/index.ts';
import { decodePublic, decodeSeed, encodePublic, encodeSeed } from './nkey-codec.ts';
import {
  assertPublicKey,
  generateKey,
  KEY_KINDS,
  KEY_LETTER,
  parseSeed,
  publicKeyKind,
  signerFromSeed,
} from './keys.ts';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('nkey encoding', () => {
  it('encodes keys and seeds exactly as nkeys does for the NATS roles', () => {
    const made = [
      ['operator', createOperator()],
      ['account', createAccount()],
      ['user', createUser()],
      ['host', createServer()],
      ['curve', createCurve()],
    ] as const;
    for (const [role, kp] of made) {
      const pub = decodePublic(kp.getPublicKey());
      const seed = decodeSeed(text(kp.getSeed()));
      assert.equal(pub?.role, role);
      assert.equal(seed?.role, role);
      assert.equal(encodePublic(role, pub.key), kp.getPublicKey());
      assert.equal(encodeSeed(role, seed.seed), text(kp.getSeed()));
    }
  });

  it('refuses any single changed character of a key or seed (checksum, canonical form)', () => {
    const key = generateKey('component');
    fc.assert(
      fc.property(
        fc.constantFrom(key.publicKey, key.seed),
        fc.nat(),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567a1='),
        (s, at, ch) => {
          const i = at % s.length;
          fc.pre(s[i] !== ch);
          const changed = s.slice(0, i) + ch + s.slice(i + 1);
          const decoded = s === key.seed ? decodeSeed(changed) : decodePublic(changed);
          assert.equal(decoded, undefined, `${changed} decoded`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('keys', () => {
  it('generates every kind with its letter, and reads each seed back', () => {
    for (const kind of KEY_KINDS) {
      const key = generateKey(kind);
      assert.equal(key.publicKey[0], KEY_LETTER[kind], kind);
      assert.equal(key.seed.slice(0, 2), `S${KEY_LETTER[kind]}`, kind);
      assert.equal(publicKeyKind(key.publicKey), kind);
      const back = parseSeed(key.seed);
      assert.deepEqual(back, key);
    }
    assert.notEqual(generateKey('account').publicKey, generateKey('account').publicKey);
  });

  it('finds the seed inside a file (creds or .nk), and names the file when there is none', () => {
    const key = generateKey('user');
    const creds = `-----BEGIN NATS USER JWT-----\neyJ0eXAi.x.y\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${key.seed}\n------END USER NKEY SEED------\n`;
    assert.equal(parseSeed(creds).publicKey, key.publicKey);
    assert.throws(
      () => parseSeed('hello\nworld\n', 'keys/issuer.nk'),
      (e) =>
        isAloftError(e, 'KEY_INVALID') &&
        /keys\/issuer\.nk holds no valid nkey seed/.test(e.message),
    );
    assert.throws(
      () => parseSeed(key.publicKey),
      (e) => isAloftError(e, 'KEY_INVALID'),
    );
  });

  it('signs with any signing kind (component keys too) and restricts the kind when asked', () => {
    const data = new TextEncoder().encode('payload');
    for (const kind of ['account', 'operator', 'user', 'host'] as const) {
      const key = generateKey(kind);
      const s = signerFromSeed(key.seed);
      assert.equal(s.publicKey, key.publicKey);
      assert.ok(fromPublic(key.publicKey).verify(data, s.sign(data)), kind);
    }
    const component = signerFromSeed(generateKey('component').seed);
    assert.equal(component.kind, 'component');
    assert.equal(component.sign(data).length, 64);
    assert.throws(
      () => signerFromSeed(generateKey('user').seed, ['account'], 'the issuer seed'),
      (e) =>
        isAloftError(e, 'KEY_INVALID') &&
        /the issuer seed is a user key; expected account/.test(e.message),
    );
    assert.throws(
      () => signerFromSeed(generateKey('curve').seed),
      (e) => isAloftError(e, 'KEY_INVALID'),
    );
  });

  it('checks public keys by kind', () => {
    const account = generateKey('account').publicKey;
    assert.equal(assertPublicKey(account, 'account', '--trusted-issuers'), account);
    assert.throws(
      () => assertPublicKey(generateKey('user').publicKey, 'account', '--trusted-issuers'),
      (e) =>
        isAloftError(e, 'KEY_INVALID') &&
        /--trusted-issuers: "U.*" is not an account public key \(A…\)/.test(e.message),
    );
    assert.equal(publicKeyKind('not a key'), undefined);
    assert.equal(publicKeyKind(account.slice(0, -1)), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAloftError } from '../support/index.ts';
import { embeddedJwt, inspectClaims, signComponent, verifyClaimsJwt } from './claims.ts';
import { base64UrlDecode, base64UrlEncode, decodeJwt, encodeJwt, verifyJwt } from './jwt.ts';
import { generateKey, signerFromSeed } from './keys.ts';
import { effectiveTrust } from './policy.ts';
import { DENY_ALL, verifyComponent, type TrustPolicy } from './verify.ts';
import {
  claimsSections,
  moduleHash,
  sha256Hex,
  withClaims,
  withoutClaims,
} from './wasm-sections.ts';

/** A component-shaped binary: header, a custom section and an opaque "core" section. */
function fakeComponent(seed = 1): Uint8Array {
  const name = [...new TextEncoder().encode('producers')];
  const custom = [0, name.length + 1 + 3, name.length, ...name, seed, 2, 3];
  const core = [1, 5, 9, 8, 7, 6, seed];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, ...custom, ...core]);
}

const issuer = generateKey('account');
const trust: TrustPolicy = { trustedIssuers: [issuer.publicKey], allowUnsigned: false };
const refused = (code: string) => (e: unknown) => {
  assert.ok(isAloftError(e, code), `expected ${code}, got ${String(e)}`);
  return true;
};
const hour = 3600_000;

describe('JWT with nkeys', () => {
  const signer = signerFromSeed(issuer.seed);

  it('round-trips and verifies with the issuer key', () => {
    const jwt = encodeJwt({ iss: issuer.publicKey, sub: 'x', n: 1 }, signer);
    assert.deepEqual(verifyJwt(jwt, 'account'), { iss: issuer.publicKey, sub: 'x', n: 1 });
    assert.equal(decodeJwt(jwt).header.alg, 'ed25519-nkey');
  });

  it('refuses a token whose issuer is not the signer, or of the wrong kind', () => {
    assert.throws(
      () => encodeJwt({ iss: generateKey('account').publicKey }, signer),
      refused('CLAIMS_INVALID'),
    );
    const op = generateKey('operator');
    const jwt = encodeJwt({ iss: op.publicKey }, signerFromSeed(op.seed));
    assert.throws(() => verifyJwt(jwt, 'account'), refused('CLAIMS_INVALID'));
  });

  it('property: any changed character of a signed token fails verification', () => {
    const jwt = encodeJwt({ iss: issuer.publicKey, sub: 'component', exp: 99 }, signer);
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...'AQgw_-.=+/0aZz9 '), (at, ch) => {
        const i = at % jwt.length;
        fc.pre(jwt[i] !== ch);
        const changed = jwt.slice(0, i) + ch + jwt.slice(i + 1);
        assert.throws(() => verifyJwt(changed, 'account'), refused('CLAIMS_INVALID'));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes base64url strictly', () => {
    const bytes = Uint8Array.from([1, 2, 3, 250, 251, 252, 253]);
    const t = base64UrlEncode(bytes);
    assert.deepEqual(base64UrlDecode(t), bytes);
    assert.equal(base64UrlDecode(t + '='), undefined);
    assert.equal(base64UrlDecode('A'), undefined);
    assert.equal(base64UrlDecode('AB'), undefined, 'non-zero trailing bits');
    assert.deepEqual(base64UrlDecode('AA'), Uint8Array.of(0));
  });
});

describe('the claims section', () => {
  it('is appended, replaced, and left out of the hash', async () => {
    const wasm = fakeComponent();
    const one = withClaims(wasm, Uint8Array.of(1, 2));
    const two = withClaims(one, Uint8Array.of(3));
    assert.deepEqual(claimsSections(two), [Uint8Array.of(3)]);
    assert.deepEqual(withoutClaims(two), wasm);
    assert.equal(await moduleHash(two), await sha256Hex(wasm));
    assert.equal(withoutClaims(wasm), wasm, 'no copy when there is nothing to strip');
  });

  it('names a broken structure', () => {
    assert.throws(() => claimsSections(Uint8Array.of(1, 2, 3)), refused('COMPONENT_MALFORMED'));
    const cut = fakeComponent().slice(0, -2);
    assert.throws(
      () => withoutClaims(cut),
      (e) => isAloftError(e, 'COMPONENT_MALFORMED') && /runs past the end/.test(e.message),
    );
  });
});

describe('signing and verifying components', () => {
  it('signs name, version, capabilities, times and the module hash, and verifies them', async () => {
    const component = generateKey('component');
    const now = new Date('2030-01-01T00:00:00Z');
    const { bytes, claims, jwt } = await signComponent(fakeComponent(), {
      issuerSeed: issuer.seed,
      componentSeed: component.seed,
      name: 'orders',
      version: '1.2.0',
      caps: ['logging', 'keyvalue', 'keyvalue'],
      notBefore: now,
      expires: new Date(now.getTime() + hour),
      now,
    });
    assert.equal(claims.iss, issuer.publicKey);
    assert.equal(claims.sub, component.publicKey);
    assert.deepEqual(claims.aloft.caps, ['keyvalue', 'logging']);
    assert.equal(claims.aloft.hash, await sha256Hex(fakeComponent()));
    assert.equal(claims.nbf, Math.floor(now.getTime() / 1000));
    assert.equal(embeddedJwt(bytes), jwt);
    assert.deepEqual(verifyClaimsJwt(jwt), claims);
    const verdict = await verifyComponent(bytes, trust, new Date(now.getTime() + 1000));
    assert.ok(verdict.signed);
    assert.deepEqual(verdict.claims, claims);
    const shown = await inspectClaims(bytes);
    assert.ok(shown.signed && shown.signature === 'valid' && shown.hashMatches);
  });

  it('gives a signed component a fresh component key when none is given', async () => {
    const a = await signComponent(fakeComponent(), {
      issuerSeed: issuer.seed,
      name: 'a',
      caps: [],
    });
    const b = await signComponent(fakeComponent(), {
      issuerSeed: issuer.seed,
      name: 'a',
      caps: [],
    });
    assert.match(a.claims.sub, /^M/);
    assert.notEqual(a.claims.sub, b.claims.sub);
  });

  it('refuses to sign with the wrong kinds of keys or an empty validity window', async () => {
    await assert.rejects(
      signComponent(fakeComponent(), { issuerSeed: generateKey('user').seed, name: 'a', caps: [] }),
      refused('KEY_INVALID'),
    );
    await assert.rejects(
      signComponent(fakeComponent(), {
        issuerSeed: issuer.seed,
        componentSeed: generateKey('account').seed,
        name: 'a',
        caps: [],
      }),
      refused('KEY_INVALID'),
    );
    const t = new Date();
    await assert.rejects(
      signComponent(fakeComponent(), {
        issuerSeed: issuer.seed,
        name: 'a',
        caps: [],
        notBefore: t,
        expires: t,
      }),
      refused('CLAIMS_INVALID'),
    );
  });

  describe('refusals, one per reason', () => {
    const now = new Date();
    const sign = (o: Partial<Parameters<typeof signComponent>[1]> = {}) =>
      signComponent(fakeComponent(), {
        issuerSeed: issuer.seed,
        name: 'c',
        caps: ['logging'],
        now,
        ...o,
      });

    it('unsigned: refused unless unsigned components are allowed (development)', async () => {
      await assert.rejects(verifyComponent(fakeComponent(), trust), refused('CLAIMS_MISSING'));
      await assert.rejects(verifyComponent(fakeComponent(), DENY_ALL), refused('CLAIMS_MISSING'));
      assert.deepEqual(await verifyComponent(fakeComponent(), { ...trust, allowUnsigned: true }), {
        signed: false,
      });
    });

    it('tampered: a changed byte outside the claims is a hash mismatch', async () => {
      const { bytes } = await sign();
      const changed = bytes.slice();
      changed[20] = (changed[20] ?? 0) ^ 0x40;
      await assert.rejects(verifyComponent(changed, trust), refused('CLAIMS_HASH_MISMATCH'));
      // Moving valid claims onto other bytes is the same thing.
      const moved = withClaims(fakeComponent(2), claimsSections(bytes)[0] ?? new Uint8Array());
      await assert.rejects(verifyComponent(moved, trust), refused('CLAIMS_HASH_MISMATCH'));
    });

    it('expired, and not yet valid', async () => {
      const expired = await sign({
        now: new Date(now.getTime() - 2 * hour),
        expires: new Date(now.getTime() - hour),
      });
      await assert.rejects(
        verifyComponent(expired.bytes, trust, now),
        (e) => refused('CLAIMS_EXPIRED')(e) && /expired at/.test(String(e)),
      );
      const early = await sign({ notBefore: new Date(now.getTime() + hour) });
      await assert.rejects(
        verifyComponent(early.bytes, trust, now),
        refused('CLAIMS_NOT_YET_VALID'),
      );
      // Inside the window it is fine.
      await verifyComponent(early.bytes, trust, new Date(now.getTime() + 2 * hour));
    });

    it('from an untrusted issuer, even when unsigned components are allowed', async () => {
      const other = generateKey('account');
      const { bytes } = await sign({ issuerSeed: other.seed });
      await assert.rejects(
        verifyComponent(bytes, trust),
        (e) => refused('CLAIMS_UNTRUSTED_ISSUER')(e) && String(e).includes(other.publicKey),
      );
      await assert.rejects(
        verifyComponent(bytes, { ...trust, allowUnsigned: true }),
        refused('CLAIMS_UNTRUSTED_ISSUER'),
      );
    });

    it('a forged or malformed claims section, and two of them', async () => {
      const { bytes, jwt } = await sign();
      const [h, p] = jwt.split('.');
      const forger = generateKey('account');
      const forged = encodeJwt(
        { ...decodeJwt(jwt).payload, iss: forger.publicKey },
        signerFromSeed(forger.seed),
      );
      // Claims re-signed by another key but naming the trusted issuer: the signature fails.
      const [, fp, fs] = forged.split('.');
      const lying = `${h}.${base64UrlEncode(new TextEncoder().encode(JSON.stringify({ ...decodeJwt(jwt).payload, aloft: { ...(decodeJwt(jwt).payload.aloft as object), caps: ['keyvalue'] } })))}.${fs}`;
      for (const bad of [lying, `${h}.${p}`, 'not a jwt', `${h}.${fp}.${fs}x`]) {
        const b = withClaims(bytes, new TextEncoder().encode(bad));
        await assert.rejects(verifyComponent(b, trust), refused('CLAIMS_INVALID'), bad);
      }
      const twice = new Uint8Array([...bytes, ...bytes.slice(withoutClaims(bytes).length)]);
      await assert.rejects(
        verifyComponent(twice, trust),
        (e) => refused('CLAIMS_INVALID')(e) && /2 claims sections/.test(String(e)),
      );
    });

    it('every byte, changed: refused (exhaustive over positions, random values)', async () => {
      const { bytes } = await sign();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 255 }), {
            minLength: bytes.length,
            maxLength: bytes.length,
          }),
          async (xors) => {
            for (let at = 0; at < bytes.length; at++) {
              const changed = bytes.slice();
              changed[at] = (changed[at] ?? 0) ^ (xors[at] ?? 1);
              await assert.rejects(
                verifyComponent(changed, trust),
                (e: unknown) => isAloftError(e),
                `byte ${at} ^ ${xors[at]} was accepted`,
              );
            }
          },
        ),
        { numRuns: 2 },
      );
    });
  });
});

describe('effective trust', () => {
  it('adds the lattice policy to the host flags unless the host ignores it; never narrows', () => {
    const host = { trustedIssuers: ['A1'], allowUnsigned: false };
    assert.deepEqual(effectiveTrust(host, undefined), host);
    assert.deepEqual(effectiveTrust(host, { trustedIssuers: ['A2', 'A1'], allowUnsigned: true }), {
      trustedIssuers: ['A1', 'A2'],
      allowUnsigned: true,
    });
    assert.deepEqual(
      effectiveTrust(
        host,
        { trustedIssuers: ['A2'], allowUnsigned: true },
        { ignoreLattice: true },
      ),
      host,
    );
    assert.deepEqual(
      effectiveTrust({ trustedIssuers: [], allowUnsigned: true }, { allowUnsigned: false }),
      {
        trustedIssuers: [],
        allowUnsigned: true,
      },
    );
  });
});

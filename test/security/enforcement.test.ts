// Issue 8 acceptance: a host refuses components that are unsigned, tampered, expired, not yet
// valid, forged or from an untrusted issuer, each with its own code in `component_start_failed`;
// a tampered byte anywhere in a signed component is refused; the lattice policy widens trust
// only for hosts that follow it; links and calls are held to the claimed capabilities.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  openSecurityState,
  subjectsFor,
  type SecurityState,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { startHost, type Host } from '../../src/host/index.ts';
import { isAloftError, pollUntil } from '../../src/support/index.ts';
import {
  encodeJwt,
  decodeJwt,
  generateKey,
  signerFromSeed,
  verifyComponent,
  withClaims,
  embeddedJwt,
} from '../../src/security/index.ts';
import { fixture } from '../runtime/fixtures.ts';
import { controlCode, startAndWait, text, utf8, writeComponent } from '../support/lattice.ts';
import { signed, TEST_ISSUER, TEST_TRUST } from '../support/signing.ts';
import { tempDir } from '../support/tmp.ts';

const lattice = 'sec';
const hour = 3600_000;

describe('hosts enforce signed claims', { timeout: 240_000 }, () => {
  const dir = tempDir('aloft-sec-');
  let topo: Topology;
  let nc: NatsConnection;
  let host: Host;
  let strict: Host;
  let security: SecurityState;
  let wasm: Uint8Array;
  let n = 0;

  before(async () => {
    topo = await startTopology({ kind: 'single', dataDir: `${dir.path}/nats` });
    nc = await connectLattice({ servers: topo.urls() });
    const common = { lattice, servers: topo.urls(), cacheDir: `${dir.path}/cache` };
    host = await startHost({ ...common, labels: {}, name: 'follows-policy', security: TEST_TRUST });
    strict = await startHost({
      ...common,
      labels: {},
      name: 'strict',
      security: { ...TEST_TRUST, ignoreLatticePolicy: true },
    });
    security = await openSecurityState(nc, lattice);
    wasm = await fixture('probe-as');
  });

  after(async () => {
    await security.stop();
    await Promise.all([host.stop(1000), strict.stop(1000)]);
    await nc.close();
    await topo.destroy();
    dir.remove();
  });

  /** Starts `bytes` on `h` under a fresh name; the outcome event's type and data. */
  const attempt = async (bytes: Uint8Array, h: Host = host) => {
    const name = `c${++n}`;
    const r = await startAndWait(nc, lattice, h.id, {
      name,
      ref: writeComponent(dir.path, name, bytes),
    });
    return { ...r, name };
  };
  const refusedWith = async (bytes: Uint8Array, code: string, h: Host = host) => {
    const r = await attempt(bytes, h);
    assert.equal(r.outcome, 'component_start_failed', `${r.name} was started`);
    assert.equal(r.data.code, code, String(r.data.error));
    assert.ok(!h.inventory().components.some((c) => c.name === r.name), 'nothing was placed');
    return r.data;
  };

  it('runs a component signed by a trusted issuer, and reports who signed it', async () => {
    const r = await attempt(await signed(wasm));
    assert.equal(r.outcome, 'component_started', String(r.data.error));
    assert.equal(r.data.issuer, TEST_ISSUER.publicKey);
    assert.equal(r.data.signed, true);
    const entry = host.inventory().components.find((c) => c.name === r.name);
    assert.equal(entry?.issuer, TEST_ISSUER.publicKey);
    assert.equal(text(await host.caller.call(r.name, 'echo', utf8('ok'))), 'ok');
    assert.deepEqual(host.inventory().trust, {
      trustedIssuers: [TEST_ISSUER.publicKey],
      allowUnsigned: false,
      secretsKey: false,
    });
  });

  it('refuses an unsigned component (CLAIMS_MISSING), saying how to sign it', async () => {
    const d = await refusedWith(wasm, 'CLAIMS_MISSING');
    assert.match(String(d.hint), /aloft claims sign/);
  });

  it('refuses a tampered component (CLAIMS_HASH_MISMATCH)', async () => {
    const bytes = await signed(wasm);
    const changed = bytes.slice();
    const at = Math.floor(wasm.length / 2);
    changed[at] = (changed[at] ?? 0) ^ 0x01;
    const d = await refusedWith(changed, 'CLAIMS_HASH_MISMATCH');
    assert.match(String(d.error), /altered after signing/);
  });

  it('refuses expired claims (CLAIMS_EXPIRED) and claims not valid yet (CLAIMS_NOT_YET_VALID)', async () => {
    const now = Date.now();
    await refusedWith(await signed(wasm, { expires: new Date(now - hour) }), 'CLAIMS_EXPIRED');
    await refusedWith(
      await signed(wasm, { notBefore: new Date(now + hour) }),
      'CLAIMS_NOT_YET_VALID',
    );
  });

  it('refuses an untrusted issuer (CLAIMS_UNTRUSTED_ISSUER), naming it', async () => {
    const other = generateKey('account');
    const d = await refusedWith(
      await signed(wasm, { issuerSeed: other.seed }),
      'CLAIMS_UNTRUSTED_ISSUER',
    );
    assert.match(String(d.error), new RegExp(other.publicKey));
  });

  it('refuses forged claims (CLAIMS_INVALID): more capabilities under the trusted name, re-signed by another key', async () => {
    const bytes = await signed(wasm, { caps: ['logging'] });
    const jwt = embeddedJwt(bytes) ?? '';
    const forger = generateKey('account');
    const payload = { ...decodeJwt(jwt).payload, iss: forger.publicKey };
    const [, body, sig] = encodeJwt(payload, signerFromSeed(forger.seed)).split('.');
    const [head] = jwt.split('.');
    // The trusted issuer's name on the forger's signature: the signature does not verify.
    const forged = `${head}.${body}.${sig}`.replace(
      body ?? '',
      Buffer.from(JSON.stringify({ ...payload, iss: TEST_ISSUER.publicKey })).toString('base64url'),
    );
    await refusedWith(withClaims(bytes, utf8(forged)), 'CLAIMS_INVALID');
  });

  it('property: a changed byte anywhere in a signed component is refused', async () => {
    const bytes = await signed(wasm);
    const trust = { trustedIssuers: [TEST_ISSUER.publicKey], allowUnsigned: false };
    // Every position is hit by one of these runs' random bytes (checked below), with random values.
    const hit = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, xor) => {
          hit.add(at);
          const changed = bytes.slice();
          changed[at] = (changed[at] ?? 0) ^ xor;
          await assert.rejects(
            verifyComponent(changed, trust),
            (e: unknown) => isAloftError(e),
            `byte ${at} ^ ${xor} accepted`,
          );
        },
      ),
      { numRuns: 1500 },
    );
    // The claims section (the part most likely to be mishandled) exhaustively.
    const claimsAt = bytes.length - (embeddedJwt(bytes)?.length ?? 0) - 20;
    for (let at = claimsAt; at < bytes.length; at++) {
      const changed = bytes.slice();
      changed[at] = (changed[at] ?? 0) ^ (1 + (at % 255));
      await assert.rejects(verifyComponent(changed, trust), (e: unknown) => isAloftError(e));
    }
    // And through a real host: random positions, each refused, nothing placed.
    for (let i = 0; i < 6; i++) {
      const at = Math.floor(Math.random() * bytes.length);
      const changed = bytes.slice();
      changed[at] = (changed[at] ?? 0) ^ (1 + Math.floor(Math.random() * 255));
      const r = await attempt(changed);
      assert.equal(r.outcome, 'component_start_failed', `byte ${at} started on the host`);
      assert.match(String(r.data.code), /^(CLAIMS_|COMPONENT_)/);
    }
  });

  it('the lattice policy widens trust for hosts that follow it, never for a host that ignores it', async () => {
    const other = generateKey('account');
    const byOther = await signed(wasm, { issuerSeed: other.seed });
    try {
      await security.putPolicy({ trustedIssuers: [other.publicKey], allowUnsigned: true });
      await pollUntil(() => (host.inventory().trust?.allowUnsigned ? true : undefined), {
        timeoutMs: 5000,
        what: 'the host to see the policy',
      });
      assert.equal((await attempt(byOther)).outcome, 'component_started');
      const unsigned = await attempt(wasm);
      assert.equal(unsigned.outcome, 'component_started');
      assert.equal(unsigned.data.signed, false);
      // Unsigned components run with every capability, and say so.
      assert.equal(
        host.inventory().components.find((c) => c.name === unsigned.name)?.signed,
        false,
      );
      await refusedWith(byOther, 'CLAIMS_UNTRUSTED_ISSUER', strict);
      await refusedWith(wasm, 'CLAIMS_MISSING', strict);
    } finally {
      await security.putPolicy({ trustedIssuers: [], allowUnsigned: false });
    }
    await pollUntil(() => (host.inventory().trust?.allowUnsigned ? undefined : true), {
      timeoutMs: 5000,
      what: 'the host to see the policy withdrawn',
    });
    await refusedWith(wasm, 'CLAIMS_MISSING');
  });

  it('refuses a link to a capability the component is not claimed for, at link time', async () => {
    const narrow = await attempt(await signed(wasm, { caps: ['logging'] }));
    assert.equal(narrow.outcome, 'component_started');
    const wide = await attempt(await signed(wasm, { caps: ['keyvalue', 'logging'] }));
    await pollUntil(
      () => host.latticeState.claims(narrow.name) && host.latticeState.claims(wide.name),
      {
        timeoutMs: 5000,
        what: 'the claims registry',
      },
    );
    const s = subjectsFor(lattice);
    for (const iface of ['aloft:platform/keyvalue', 'wasi:keyvalue/store', 'messaging']) {
      const r = await controlCode(nc, s.control('link.put'), {
        source: narrow.name,
        target: 'kv',
        interface: iface,
      });
      assert.equal(r.code, 'CAPABILITY_NOT_CLAIMED', `${iface}: ${String(r.message)}`);
      assert.match(String(r.message), new RegExp(`${narrow.name} may not use .*allow logging`));
    }
    assert.ok(!host.latticeState.links().some((l) => l.source === narrow.name), 'no link stored');
    const ok = await controlCode(nc, s.control('link.put'), {
      source: wide.name,
      target: 'kv',
      interface: 'wasi:keyvalue/store',
    });
    assert.equal(ok.code, undefined, ok.message);
  });

  it('refuses calls to capabilities the claims do not allow, at call time, even through an existing link', async () => {
    const s = subjectsFor(lattice);
    const ev = await controlCode(nc, s.control('provider.start', host.id), {
      name: 'mem',
      kind: 'keyvalue-memory',
    });
    assert.equal(ev.code, undefined, ev.message);
    // The link exists before the component's claims are known (no link-time check possible).
    const name = `late${++n}`;
    assert.equal(
      (
        await controlCode(nc, s.control('link.put'), {
          source: name,
          target: 'mem',
          interface: 'keyvalue',
        })
      ).code,
      undefined,
    );
    await pollUntil(
      () => (host.latticeState.links().some((l) => l.source === name) ? true : undefined),
      {
        timeoutMs: 5000,
        what: 'the link',
      },
    );
    const bytes = await signed(wasm, { caps: ['logging'] });
    const r = await startAndWait(nc, lattice, host.id, {
      name,
      ref: writeComponent(dir.path, name, bytes),
    });
    assert.equal(r.outcome, 'component_started');
    await assert.rejects(host.caller.call(name, 'kv-set', utf8('k=v')), (e: unknown) => {
      assert.ok(isAloftError(e, 'CAPABILITY_NOT_CLAIMED'), String(e));
      assert.match(e.message, /may not use keyvalue: its claims allow logging/);
      return true;
    });
    // The same component, claimed for keyvalue, gets through the same link.
    const allowed = await signed(wasm, { caps: ['keyvalue'] });
    const again = await startAndWait(nc, lattice, host.id, {
      name,
      ref: writeComponent(dir.path, `${name}-v2`, allowed),
    });
    assert.equal(again.outcome, 'component_scaled', String(again.data.error));
    assert.equal(text(await host.caller.call(name, 'kv-set', utf8('k=v'))), '');
    // An unlinked capability stays refused, with the fix named.
    await assert.rejects(host.caller.call('c1', 'kv-get', utf8('k')), (e: unknown) => {
      assert.ok(isAloftError(e, 'LINK_MISSING'), String(e));
      assert.match(e.message, /aloft link put c1/);
      return true;
    });
  });
});

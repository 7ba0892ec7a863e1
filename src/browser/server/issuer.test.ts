import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, createServer, fromPublic } from '@nats-io/nkeys';
import { decode } from '@nats-io/jwt';
import { permits, subjectsFor } from '../../lattice/index.ts';
import { userKeyOf } from '../../nats/index.ts';
import { manualClock } from '../../support/index.ts';
import { tabIssuer } from './issuer.ts';

const dec = new TextDecoder();
const keyFor = (lattice: string) => {
  const account = createAccount();
  const signing = createAccount();
  return {
    kind: 'aloft-issuer' as const,
    name: 'browser',
    accountName: lattice,
    account: account.getPublicKey(),
    seed: dec.decode(signing.getSeed()),
    publicKey: signing.getPublicKey(),
  };
};
type UserClaims = {
  sub: string;
  iss: string;
  exp: number;
  nats: {
    issuer_account: string;
    pub: { allow: string[]; deny?: string[] };
    sub: { allow: string[] };
    allowed_connection_types: string[];
    resp?: { max: number };
  };
};

/**
 * The `CONNECT` line nats.js sends for a tab (nats-core 3.4 `Connect`: the authenticator's
 * `jwt`, `nkey` and `sig` over the client's fields). nats-server 2.9.10 refuses a control line
 * over 4096 bytes (`max_control_line`), so this is what must fit.
 */
function connectLine(jwt: string, hostId: string, name: string): string {
  const connect = {
    protocol: 1,
    version: '3.4.0',
    lang: 'nats.ws',
    verbose: false,
    pedantic: false,
    name,
    jwt,
    nkey: hostId,
    sig: 'x'.repeat(86),
    headers: true,
    no_responders: true,
  };
  return `CONNECT ${JSON.stringify(connect)}\r\n`;
}

describe('tab issuer: one user JWT per tab, bound to its host id', () => {
  it('names the host key as the user, holds only that host id’s permissions, and expires', async () => {
    const key = keyFor('pay');
    const clock = manualClock(1_900_000_000_000);
    const issuer = tabIssuer('pay', key, clock);
    const host = createServer();
    const { jwt, inboxPrefix } = await issuer.issue(host.getPublicKey(), 3_600_000);
    const c = decode(jwt) as unknown as UserClaims;
    assert.equal(c.sub, userKeyOf(host.getPublicKey()), 'the user is the host key, as a user key');
    const data = new TextEncoder().encode('nonce');
    assert.ok(fromPublic(c.sub).verify(data, host.sign(data)), 'the host seed signs as the user');
    assert.equal(c.iss, key.publicKey, 'signed by the issuer key');
    assert.equal(c.nats.issuer_account, key.account);
    assert.equal(c.exp, 1_900_003_600);
    assert.deepEqual(c.nats.allowed_connection_types, ['WEBSOCKET']);
    assert.equal(c.nats.resp?.max, 1);
    assert.equal(inboxPrefix, `_INBOX.${c.sub}`);
    const s = subjectsFor('pay');
    const pub = { allow: c.nats.pub.allow, deny: c.nats.pub.deny ?? [] };
    const sub = { allow: c.nats.sub.allow, deny: [] };
    assert.ok(permits(pub, s.heartbeat(host.getPublicKey())));
    assert.equal(permits(pub, s.heartbeat(createServer().getPublicKey())), false);
    assert.ok(permits(sub, s.rpcOnHost('echo', host.getPublicKey())));
    assert.equal(permits(sub, s.rpcOnHost('echo', createServer().getPublicKey())), false);
    assert.doesNotMatch(jwt + inboxPrefix, new RegExp(key.seed), 'no seed in what it returns');
  });

  it('fits nats-server 2.9’s 4 KiB CONNECT line with a 32-character lattice name', async () => {
    const lattice = 'l'.repeat(32); // the longest lattice name (protocol.md)
    const issuer = tabIssuer(lattice, keyFor(lattice));
    const host = createServer().getPublicKey();
    const { jwt } = await issuer.issue(host, 86_400_000);
    const line = connectLine(jwt, host, `aloft-host tab-${host.slice(-5).toLowerCase()}`);
    // Measured: JWT ≈3.5 KiB, CONNECT ≈3.8 KiB. A new grant must keep this bound.
    console.log(`tab JWT ${jwt.length} bytes, CONNECT line ${line.length} bytes (limit 4096)`);
    assert.ok(line.length <= 4096 - 200, `CONNECT line of ${line.length} bytes leaves < 200 spare`);
  });

  it('refuses an issuer key of another lattice or purpose', () => {
    assert.throws(() => tabIssuer('pay', keyFor('other')), {
      code: 'INVALID_INPUT',
      message: /is for lattice other, not pay/,
    });
    assert.throws(() => tabIssuer('pay', { ...keyFor('pay'), name: 'leaf' }), {
      message: /issues leaf users, not browser tabs/,
    });
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as httpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type KeyPair } from '@nats-io/nkeys';
import { manualClock } from '../../support/index.ts';
import { challengeText, toBase64Url } from '../config.ts';
import { credentialRoutes } from './credential-routes.ts';
import { tabCredentialsService } from './credentials.ts';
import type { TabIssuer } from './issuer.ts';

/** Records what it was asked to sign; the real signing is issuer.test.ts's. */
function recordingIssuer(): TabIssuer & { issued: { hostId: string; ttlMs: number }[] } {
  const issued: { hostId: string; ttlMs: number }[] = [];
  return {
    publicKey: 'AISSUER',
    issued,
    issue: (hostId, ttlMs) => {
      issued.push({ hostId, ttlMs });
      return Promise.resolve({
        jwt: `jwt-for-${hostId}`,
        inboxPrefix: `_INBOX.U${hostId.slice(1)}`,
      });
    },
  };
}

const sign = (key: KeyPair, lattice: string, nonce: string, hostId = key.getPublicKey()) =>
  toBase64Url(key.sign(new TextEncoder().encode(challengeText(lattice, hostId, nonce))));

describe('the /join credentials exchange', () => {
  it('issues to whoever signs a fresh nonce with the host key, once per nonce', async () => {
    const issuer = recordingIssuer();
    const clock = manualClock(1000);
    const svc = tabCredentialsService({ lattice: 'pay', issuer, ttlMs: 60_000, clock });
    const tab = createServer();
    const hostId = tab.getPublicKey();
    const { nonce, expiresInMs } = svc.challenge();
    assert.equal(expiresInMs, 30_000);
    const creds = await svc.issue({ hostId, nonce, signature: sign(tab, 'pay', nonce) });
    assert.deepEqual(creds, {
      jwt: `jwt-for-${hostId}`,
      inboxPrefix: `_INBOX.U${hostId.slice(1)}`,
      expiresInMs: 60_000,
      renewAfterMs: 30_000,
    });
    assert.deepEqual(issuer.issued, [{ hostId, ttlMs: 60_000 }]);
    // The same nonce again (a replay): refused, and nothing issued.
    await assert.rejects(svc.issue({ hostId, nonce, signature: sign(tab, 'pay', nonce) }), {
      code: 'JOIN_CHALLENGE_INVALID',
      retryable: true,
    });
    assert.equal(issuer.issued.length, 1);
  });

  it('refuses another key’s id, another lattice’s signature, stale nonces and evicted tabs', async () => {
    const issuer = recordingIssuer();
    const clock = manualClock(1000);
    const svc = tabCredentialsService({ lattice: 'pay', issuer, clock });
    const tab = createServer();
    const victim = createServer().getPublicKey();
    const refused = async (body: Record<string, string>, code: string): Promise<void> => {
      await assert.rejects(svc.issue(body), { code });
    };
    let n = svc.challenge().nonce;
    // Claiming another host's id with one's own key: the signature does not verify.
    await refused(
      { hostId: victim, nonce: n, signature: sign(tab, 'pay', n, victim) },
      'JOIN_PROOF_INVALID',
    );
    n = svc.challenge().nonce;
    await refused(
      { hostId: tab.getPublicKey(), nonce: n, signature: sign(tab, 'other', n) },
      'JOIN_PROOF_INVALID',
    );
    n = svc.challenge().nonce;
    clock.advance(30_001);
    await refused(
      { hostId: tab.getPublicKey(), nonce: n, signature: sign(tab, 'pay', n) },
      'JOIN_CHALLENGE_INVALID',
    );
    await refused(
      { hostId: 'NOPE', nonce: 'x'.repeat(20), signature: 'y' },
      'JOIN_INVALID_REQUEST',
    );
    svc.evict(tab.getPublicKey(), 'misbehaved');
    n = svc.challenge().nonce;
    await assert.rejects(
      svc.issue({ hostId: tab.getPublicKey(), nonce: n, signature: sign(tab, 'pay', n) }),
      { code: 'JOIN_EVICTED', retryable: false, message: /misbehaved/ },
    );
    assert.deepEqual(issuer.issued, []);
  });

  it('bounds the challenges outstanding', () => {
    const clock = manualClock(0);
    const svc = tabCredentialsService({
      lattice: 'pay',
      issuer: recordingIssuer(),
      maxPending: 2,
      clock,
    });
    svc.challenge();
    svc.challenge();
    assert.throws(() => svc.challenge(), { code: 'JOIN_BUSY' });
    clock.advance(30_001); // expired ones make room
    assert.ok(svc.challenge().nonce);
  });
});

describe('the /join credentials routes', () => {
  let server: Server;
  let base = '';
  const svc = tabCredentialsService({ lattice: 'pay', issuer: recordingIssuer() });
  before(async () => {
    const routes = credentialRoutes(svc);
    server = httpServer((req, res) => void routes[req.url ?? '']?.(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers });

  it('answers JSON, with a status per refusal, same-origin POSTs only', async () => {
    const tab = createServer();
    const challenge = (await (await post('/join/challenge', {})).json()) as { nonce: string };
    const ok = await post('/join/credentials', {
      hostId: tab.getPublicKey(),
      nonce: challenge.nonce,
      signature: sign(tab, 'pay', challenge.nonce),
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    assert.match(((await ok.json()) as { jwt: string }).jwt, /^jwt-for-N/);
    const again = await post('/join/credentials', {
      hostId: tab.getPublicKey(),
      nonce: challenge.nonce,
      signature: sign(tab, 'pay', challenge.nonce),
    });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { code: string }).code, 'JOIN_CHALLENGE_INVALID');
    const bad = await post('/join/credentials', { hostId: 'x' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /hostId: expected a host id/);
    const foreign = await post('/join/challenge', {}, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    const get = await fetch(`${base}/join/challenge`);
    assert.equal(get.status, 405);
  });
});

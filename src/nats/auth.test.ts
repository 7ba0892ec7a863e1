import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from '@nats-io/jwt';
import { ensureAuth } from './auth-store.ts';
import { readIssuerFile } from './issuer-file.ts';
import type { UserPermissions } from './auth.ts';

const host: UserPermissions = {
  pub: { allow: ['aloft.p.hb.*'], deny: ['aloft.p.ctl.>'] },
  sub: { allow: ['_INBOX.{{subject()}}.>'], deny: [] },
  responses: true,
};
type Claims = { iss: string; sub: string; name: string; nats: Record<string, unknown> };
const jwtOf = (creds: string): Claims =>
  decode(/JWT-+\s*\n(\S+)/.exec(readFileSync(creds, 'utf8'))?.[1] ?? '');

describe('operator, account and user material', () => {
  it('roles are scoped signing keys; users carry no permissions of their own, pinned ones do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aloft-auth-'));
    try {
      const plan = {
        operator: 'op',
        accounts: [
          {
            name: 'p',
            roles: { host },
            issuers: ['browser'],
            users: [
              { name: 'host', label: 'host@p', role: 'host', tags: ['aloft-role:host'] },
              {
                name: 'tab',
                permissions: (pub: string) => ({
                  ...host,
                  sub: { allow: [`_INBOX.${pub}.>`], deny: [] },
                  connectionTypes: ['WEBSOCKET'],
                }),
              },
            ],
          },
        ],
      };
      const auth = await ensureAuth(dir, plan);
      const account = decode(auth.accounts.p?.jwt ?? '') as unknown as Claims;
      const scopes = account.nats.signing_keys as {
        key: string;
        role: string;
        template: { pub: unknown };
      }[];
      const scope = scopes.find((k) => typeof k === 'object' && k.role === 'host');
      assert.ok(scope);
      assert.deepEqual(scope.template.pub, host.pub);
      assert.equal(
        account.iss,
        auth.operator.signingKey,
        'accounts are signed by the operator signing key',
      );

      const user = jwtOf(auth.creds.p?.host ?? '');
      assert.equal(user.name, 'host@p');
      assert.equal(user.iss, scope.key, 'signed by the role key');
      assert.equal(user.nats.issuer_account, auth.accounts.p?.publicKey);
      assert.equal(user.nats.pub, undefined, 'a scoped user carries no permissions');
      const tab = jwtOf(auth.creds.p?.tab ?? '');
      assert.deepEqual(tab.nats.allowed_connection_types, ['WEBSOCKET']);
      assert.deepEqual(tab.nats.sub, { allow: [`_INBOX.${tab.sub}.>`] });

      // An issuer: a plain signing key of the account, in a 0600 file with the account's key.
      const issuerFile = auth.issuers.p?.browser ?? '';
      const issuer = readIssuerFile(issuerFile);
      assert.equal(issuer.account, auth.accounts.p?.publicKey);
      assert.deepEqual([issuer.name, issuer.accountName], ['browser', 'p']);
      assert.ok(
        (account.nats.signing_keys as unknown[]).includes(issuer.publicKey),
        'the account lists the issuer as a plain signing key',
      );
      assert.doesNotMatch(JSON.stringify(auth.server), new RegExp(issuer.seed));

      for (const f of [
        issuerFile,
        auth.creds.p?.host ?? '',
        auth.systemCreds,
        join(dir, 'keys', 'p.nk'),
        join(dir, 'keys', 'p.host.nk'),
      ]) {
        assert.equal(statSync(f).mode & 0o777, 0o600, f);
      }
      assert.equal(statSync(join(dir, 'keys')).mode & 0o777, 0o700);
      assert.doesNotMatch(
        JSON.stringify(auth.server),
        /\bS[OAU][A-Z2-7]{56}\b/,
        'servers get no seed',
      );

      const again = await ensureAuth(dir, plan);
      assert.equal(again.accounts.p?.publicKey, auth.accounts.p?.publicKey, 'accounts are kept');
      assert.notEqual(jwtOf(again.creds.p?.host ?? '').sub, user.sub, 'users are issued afresh');
      assert.equal(readIssuerFile(issuerFile).seed, issuer.seed, 'the issuer is kept');
      writeFileSync(issuerFile, '{"kind":"aloft-issuer","name":"browser"}');
      assert.throws(() => readIssuerFile(issuerFile), {
        code: 'INVALID_INPUT',
        message: new RegExp(`issuer file ${issuerFile}: accountName: `),
      });
      await assert.rejects(
        ensureAuth(dir, {
          operator: 'op',
          accounts: [{ name: 'p', users: [{ name: 'x', role: 'nope' }] }],
        }),
        /unknown role nope/,
      );
      await assert.rejects(
        ensureAuth(dir, {
          operator: 'op',
          accounts: [
            {
              name: 'p',
              users: [
                {
                  name: 'x',
                  permissions: () => ({
                    pub: { allow: [], deny: [] },
                    sub: { allow: ['a'], deny: [] },
                    responses: false,
                  }),
                },
              ],
            },
          ],
        }),
        /would allow everything/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

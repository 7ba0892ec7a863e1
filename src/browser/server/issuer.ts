import {
  CREDENTIAL_TAGS,
  inboxPrefixFor,
  tabPermissions,
  BROWSER_ISSUER,
} from '../../lattice/index.ts';
import { readIssuerFile, userJwt, userKeyOf, type IssuerKey } from '../../nats/index.ts';
import { AloftError, systemClock, type Clock } from '../../support/index.ts';

/** Signs browser-tab users: one user JWT per tab, whose subject is the tab's host key. */
export interface TabIssuer {
  /** The issuing key's public key (the `iss` of every JWT it signs). */
  readonly publicKey: string;
  /**
   * A user JWT for the tab whose host id is `hostId`, valid for `ttlMs`, with the permissions of
   * that host id only (`tabPermissions`). The caller has checked that the tab holds the key.
   */
  issue(hostId: string, ttlMs: number): Promise<{ jwt: string; inboxPrefix: string }>;
}

/**
 * An issuer of browser-tab users of `lattice`, from its issuer key (the account's `browser`
 * signing key; `keys/<lattice>.issuer-browser.json` of `aloft up` or `aloft nats config`). The
 * seed stays in this process: nothing it returns contains it.
 *
 * @throws {AloftError} `INVALID_INPUT` when the key is for another lattice or another purpose.
 * @example
 * const issuer = tabIssuer('default', 'nats-config/keys/default.issuer-browser.json');
 * const { jwt } = await issuer.issue(hostId, 3_600_000);
 */
export function tabIssuer(
  lattice: string,
  key: IssuerKey | string,
  clock: Clock = systemClock,
): TabIssuer {
  const k = typeof key === 'string' ? readIssuerFile(key) : key;
  const where = typeof key === 'string' ? `issuer file ${key}` : 'the issuer key';
  if (k.accountName !== lattice) {
    throw new AloftError(
      'INVALID_INPUT',
      `${where} is for lattice ${k.accountName}, not ${lattice}`,
      {
        hint: `use keys/${lattice}.issuer-browser.json, or --lattice ${k.accountName}`,
      },
    );
  }
  if (k.name !== BROWSER_ISSUER) {
    throw new AloftError('INVALID_INPUT', `${where} issues ${k.name} users, not browser tabs`);
  }
  // Kept short: the JWT must fit nats-server's 4 KiB CONNECT line (issuer.test.ts measures it).
  // The role tag names tabs in nats-server's /connz; the lattice is the account.
  const tags = [`${CREDENTIAL_TAGS.role}browser`];
  return {
    publicKey: k.publicKey,
    issue: async (hostId, ttlMs) => {
      const user = userKeyOf(hostId);
      const inboxPrefix = inboxPrefixFor(user);
      const jwt = await userJwt(
        'browser-tab',
        user,
        { accountPublicKey: k.account, signingSeed: k.seed, scoped: false },
        {
          tags,
          expiresAt: Math.floor((clock.now() + ttlMs) / 1000),
          permissions: tabPermissions(lattice, hostId, { inboxPrefix }),
        },
      );
      return { jwt, inboxPrefix };
    },
  };
}

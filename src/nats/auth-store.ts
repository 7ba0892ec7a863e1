import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AloftError } from '../support/index.ts';
import { ISSUER_KIND, readIssuerFile, writeIssuerFile } from './issuer-file.ts';
import { writeSecret } from './secret-file.ts';

export { writeSecret };
import {
  accountJwt,
  issueUser,
  newAccountSeeds,
  newOperatorSeeds,
  newSigningSeed,
  operatorJwt,
  publicKeyOf,
  type AccountOptions,
  type Entity,
  type KeySeeds,
  type RoleScope,
  type UserPermissions,
} from './auth.ts';
import type { OperatorSpec } from './config-security.ts';

/** The system account's name: upper case, so no lattice (always lower case) can take it. */
export const SYSTEM_ACCOUNT = 'SYS';

export interface UserPlan {
  /** Names its `.creds` file. */
  name: string;
  /** The JWT's name (default `name`). */
  label?: string;
  /** The role (a key of the account's `roles`) whose scoped signing key issues it. */
  role?: string;
  /**
   * Without a role: permissions put in the user JWT itself, given the user's public key. Neither
   * role nor permissions: no limits within the account (only for infrastructure: leaf links).
   */
  permissions?: (userPublicKey: string) => UserPermissions;
  tags?: string[];
}

export interface AccountPlan {
  name: string;
  options?: AccountOptions;
  /** Role name → permission template (`{{subject()}}` stands for the user's public key). */
  roles?: Record<string, UserPermissions>;
  users: UserPlan[];
  /**
   * Plain signing keys of the account for issuers that sign users themselves (e.g. `browser`: the
   * `/join` service, one user per tab). Each is written as an issuer file (`readIssuerFile`).
   */
  issuers?: string[];
}

export interface AuthPlan {
  operator: string;
  accounts: AccountPlan[];
  /** Expiry of every user JWT issued (seconds since the epoch). */
  expiresAt?: number;
}

/** What `ensureAuth` produced: public JWTs for servers, and the paths of the secret files. */
export interface AuthMaterial {
  dir: string;
  operator: Entity;
  system: Entity;
  accounts: Record<string, Entity>;
  /** `.creds` file of each user, by account name then user name. */
  creds: Record<string, Record<string, string>>;
  /** A system-account user's `.creds`, to push account updates (e.g. revocations) at run time. */
  systemCreds: string;
  /** Issuer files (mode 0600) by account name then issuer name. */
  issuers: Record<string, Record<string, string>>;
  /** What servers need (public material only): operator, system account, account JWTs. */
  server: Omit<OperatorSpec, 'resolver'>;
  /** `server` with a resolver. */
  operatorSpec(resolver: OperatorSpec['resolver']): OperatorSpec;
}

/**
 * Creates (or reuses) the operator and account keys under `dir` and issues every planned user:
 *
 *     keys/operator[-signing].nk, keys/<account>[-signing].nk, keys/<account>.<role>.nk
 *     keys/<account>.issuer-<name>.json                               seeds, mode 0600
 *     operator.jwt, accounts/<account>.jwt                                       public
 *     creds/sys.creds, creds/<account>/<user>.creds                              secrets, mode 0600
 *
 * Existing seeds are kept, so accounts (and the JetStream data filed under them) survive a
 * re-run; users are issued afresh each time (earlier credentials stay valid until revoked).
 */
export async function ensureAuth(dir: string, plan: AuthPlan): Promise<AuthMaterial> {
  const keys = join(dir, 'keys');
  mkdirSync(keys, { recursive: true, mode: 0o700 });
  const opSeeds = seeds(keys, 'operator', newOperatorSeeds);
  const sysSeeds = seeds(keys, SYSTEM_ACCOUNT, newAccountSeeds);
  const system = await accountJwt(SYSTEM_ACCOUNT, sysSeeds, opSeeds.signing, { jetstream: false });
  const operator = await operatorJwt(plan.operator, opSeeds, system.publicKey);
  writePublic(join(dir, 'operator.jwt'), operator.jwt);
  writePublic(join(dir, 'accounts', `${SYSTEM_ACCOUNT}.jwt`), system.jwt);
  const accounts: Record<string, Entity> = {};
  const creds: Record<string, Record<string, string>> = {};
  const issuers: Record<string, Record<string, string>> = {};
  const sysUser = await issueUser('sys', {
    accountPublicKey: system.publicKey,
    signingSeed: sysSeeds.signing,
    scoped: false,
  });
  const systemCreds = join(dir, 'creds', 'sys.creds');
  writeSecret(systemCreds, sysUser.creds);
  for (const acc of plan.accounts) {
    if (acc.name === SYSTEM_ACCOUNT || !/^[A-Za-z0-9_-]+$/.test(acc.name)) {
      throw new AloftError('INVALID_INPUT', `invalid account name ${JSON.stringify(acc.name)}`);
    }
    const accSeeds = seeds(keys, acc.name, newAccountSeeds);
    const roleSeeds: Record<string, string> = {};
    const scopes: Record<string, RoleScope> = {};
    for (const [role, permissions] of Object.entries(acc.roles ?? {})) {
      const seed = signingSeed(keys, `${acc.name}.${role}`);
      roleSeeds[role] = seed;
      scopes[role] = { key: publicKeyOf(seed), permissions };
    }
    // Issuers keep their key across runs, like roles: users they issued stay valid.
    const issuerFiles: Record<string, string> = {};
    const issuerKeys: string[] = [];
    for (const name of acc.issuers ?? []) {
      const file = join(keys, `${acc.name}.issuer-${name}.json`);
      const seed = existsSync(file) ? readIssuerFile(file).seed : newSigningSeed();
      writeIssuerFile(file, {
        kind: ISSUER_KIND,
        name,
        accountName: acc.name,
        account: publicKeyOf(accSeeds.identity),
        seed,
      });
      issuerFiles[name] = file;
      issuerKeys.push(publicKeyOf(seed));
    }
    const entity = await accountJwt(
      acc.name,
      accSeeds,
      opSeeds.signing,
      acc.options,
      scopes,
      issuerKeys,
    );
    issuers[acc.name] = issuerFiles;
    accounts[acc.name] = entity;
    writePublic(join(dir, 'accounts', `${acc.name}.jwt`), entity.jwt);
    const files: Record<string, string> = {};
    for (const u of acc.users) {
      const roleSeed = u.role === undefined ? undefined : roleSeeds[u.role];
      if (u.role !== undefined && roleSeed === undefined) {
        throw new AloftError('INVALID_INPUT', `user ${u.name} names an unknown role ${u.role}`);
      }
      const issued = await issueUser(
        u.label ?? u.name,
        {
          accountPublicKey: entity.publicKey,
          signingSeed: roleSeed ?? accSeeds.signing,
          scoped: roleSeed !== undefined,
        },
        {
          ...(u.tags ? { tags: u.tags } : {}),
          ...(plan.expiresAt ? { expiresAt: plan.expiresAt } : {}),
          ...(u.permissions ? { permissions: u.permissions } : {}),
        },
      );
      const file = join(dir, 'creds', acc.name, `${u.name}.creds`);
      writeSecret(file, issued.creds);
      files[u.name] = file;
    }
    creds[acc.name] = files;
  }
  const server = {
    jwt: operator.jwt,
    systemAccount: system.publicKey,
    accounts: Object.fromEntries(
      [system, ...Object.values(accounts)].map((a) => [a.publicKey, a.jwt]),
    ),
  };
  return {
    dir,
    operator,
    system,
    accounts,
    creds,
    systemCreds,
    issuers,
    server,
    operatorSpec: (resolver) => ({ ...server, resolver }),
  };
}

/** Reads the identity and signing seeds of `name`, creating them when absent. */
function seeds(keys: string, name: string, create: () => KeySeeds): KeySeeds {
  const idFile = join(keys, `${name}.nk`);
  const sigFile = join(keys, `${name}-signing.nk`);
  if (existsSync(idFile) && existsSync(sigFile)) {
    return {
      identity: readFileSync(idFile, 'utf8').trim(),
      signing: readFileSync(sigFile, 'utf8').trim(),
    };
  }
  const fresh = create();
  writeSecret(idFile, fresh.identity + '\n');
  writeSecret(sigFile, fresh.signing + '\n');
  return fresh;
}

/** Reads a role's signing seed, creating it when absent. */
function signingSeed(keys: string, name: string): string {
  const file = join(keys, `${name}.nk`);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const seed = newSigningSeed();
  writeSecret(file, seed + '\n');
  return seed;
}

function writePublic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text + '\n');
}

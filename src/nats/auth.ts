/**
 * Decentralized NATS authentication material: an operator, its system account, one account per
 * tenant (lattice), and users whose permissions travel in JWTs signed by their account. Keys are
 * nkeys (ed25519); a client proves it holds its user seed by signing the server's nonce, so no
 * password or shared secret ever crosses the wire or sits in a server config.
 *
 * Operators and accounts each have an identity key and a signing key: the identity seed signs only
 * the JWT that names the signing key and can be kept offline; day-to-day issuing uses the signing
 * seed, which can be rotated by re-issuing the parent JWT.
 *
 * An account's roles are scoped signing keys: the account JWT holds each role's permission
 * template, and a user signed by a role's key gets exactly that role's permissions (the user JWT
 * carries none, so it stays small and cannot widen them). Changing a role is one account update.
 */
import { createAccount, createOperator, createUser, fromSeed, type KeyPair } from '@nats-io/nkeys';
import {
  Algorithms,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  type ConnectionType,
  type OperatorLimits,
  type UserPermissionsLimits,
} from '@nats-io/jwt';

const opts = { algorithm: Algorithms.v2 };
const enc = new TextEncoder();
const dec = new TextDecoder();

/** An identity key with its signing key, as seeds (`SO…`/`SA…`). */
export interface KeySeeds {
  identity: string;
  signing: string;
}

export interface Entity {
  name: string;
  publicKey: string;
  /** Public key of the signing key that issues this entity's children. */
  signingKey: string;
  jwt: string;
}

/** Permissions of a user, in the shape the user JWT carries. */
export interface UserPermissions {
  pub: { allow: string[]; deny: string[] };
  sub: { allow: string[]; deny: string[] };
  /** Allow replies to requests received (`allow_responses`: one reply, within 2 minutes). */
  responses: boolean;
  /** Restrict to these connection types (e.g. `['WEBSOCKET']`, `['LEAFNODE']`). */
  connectionTypes?: string[];
}

export const newOperatorSeeds = (): KeySeeds => seedsOf(createOperator(), createOperator());
export const newAccountSeeds = (): KeySeeds => seedsOf(createAccount(), createAccount());
/** A fresh signing seed (an account-type nkey) for a role's scoped signing key. */
export const newSigningSeed = (): string => dec.decode(createAccount().getSeed());

function seedsOf(identity: KeyPair, signing: KeyPair): KeySeeds {
  return { identity: dec.decode(identity.getSeed()), signing: dec.decode(signing.getSeed()) };
}

const pair = (seed: string): KeyPair => fromSeed(enc.encode(seed));

/** The operator JWT, naming its signing key and the system account. */
export async function operatorJwt(
  name: string,
  seeds: KeySeeds,
  systemAccount: string,
): Promise<Entity> {
  const id = pair(seeds.identity);
  const signing = pair(seeds.signing).getPublicKey();
  const jwt = await encodeOperator(
    name,
    id,
    { signing_keys: [signing], system_account: systemAccount },
    opts,
  );
  return { name, publicKey: id.getPublicKey(), signingKey: signing, jwt };
}

/** Account limits: unlimited connections and data; JetStream on unless `jetstream` is false. */
export interface AccountOptions {
  /** JetStream quotas in bytes (-1: no limit), or false for an account without JetStream. */
  jetstream?: { memory: number; disk: number } | false;
  /** Subject mappings of the account, applied on every server (`from` → `to` subject). */
  mappings?: Record<string, string>;
}

/** A role of an account: the public key of its scoped signing key and its permissions. */
export interface RoleScope {
  key: string;
  permissions: UserPermissions;
}

/**
 * An account JWT signed by the operator's signing key, with its plain signing key, one scoped
 * signing key per role (`{{subject()}}` in a template becomes the user's public key), and the
 * plain signing keys of `issuers` (public keys) that sign users with permissions of their own.
 */
export async function accountJwt(
  name: string,
  seeds: KeySeeds,
  operatorSigningSeed: string,
  options: AccountOptions = {},
  roles: Record<string, RoleScope> = {},
  issuers: string[] = [],
): Promise<Entity> {
  const id = pair(seeds.identity);
  const signing = pair(seeds.signing).getPublicKey();
  const js = options.jetstream ?? { memory: -1, disk: -1 };
  const limits: OperatorLimits = {
    subs: -1,
    data: -1,
    payload: -1,
    imports: -1,
    exports: -1,
    wildcards: true,
    conn: -1,
    leaf: -1,
    ...(js
      ? { mem_storage: js.memory, disk_storage: js.disk, streams: -1, consumer: -1 }
      : { mem_storage: 0, disk_storage: 0, streams: 0, consumer: 0 }),
  };
  const scopes = Object.entries(roles).map(([role, scope]) => ({
    kind: 'user_scope' as const,
    key: scope.key,
    role,
    template: userClaims(scope.permissions),
  }));
  const jwt = await encodeAccount(
    name,
    id,
    {
      limits,
      signing_keys: [signing, ...issuers, ...scopes],
      ...(options.mappings
        ? {
            mappings: Object.fromEntries(
              Object.entries(options.mappings).map(([from, to]) => [
                from,
                [{ subject: to, weight: 100 }],
              ]),
            ),
          }
        : {}),
    },
    { ...opts, signer: pair(operatorSigningSeed) },
  );
  return { name, publicKey: id.getPublicKey(), signingKey: signing, jwt };
}

/** The permission and limit claims of a user (or of a role's template). */
function userClaims(p: UserPermissions | undefined): UserPermissionsLimits {
  return {
    subs: -1,
    data: -1,
    payload: -1,
    ...(p
      ? {
          pub: compact(p.pub),
          sub: compact(p.sub),
          ...(p.responses ? { resp: { max: 1, ttl: 0 } } : {}),
          ...(p.connectionTypes
            ? { allowed_connection_types: p.connectionTypes as ConnectionType[] }
            : {}),
        }
      : {}),
  } as UserPermissionsLimits;
}

export interface IssuedUser {
  name: string;
  publicKey: string;
  jwt: string;
  /** The `.creds` file: the user JWT and the user's seed. Secret: write it with mode 0600. */
  creds: string;
}

/** Who signs a user JWT: a signing key of the account named by its public key. */
export interface UserSigner {
  accountPublicKey: string;
  signingSeed: string;
  /** A role's scoped signing key: the role's permissions apply and the user JWT carries none. */
  scoped: boolean;
}

/**
 * Issues a user of an account: a fresh nkey and a JWT signed either by a role's scoped signing key
 * (`scoped: true`: the role's permissions apply, and the user JWT must carry none), or by a plain
 * signing key of the account with the `permissions` computed for the new key, or with none (no
 * limits: for infrastructure such as leaf-node links only).
 *
 * nats-server 2.9 enforces `allowed_connection_types` only from the user JWT itself, so a user
 * pinned to a connection type (a browser tab: WebSocket only) is issued with explicit permissions.
 */
export async function issueUser(
  name: string,
  signer: UserSigner,
  options: {
    tags?: string[];
    expiresAt?: number;
    permissions?: (userPublicKey: string) => UserPermissions;
  } = {},
): Promise<IssuedUser> {
  const user = createUser();
  const jwt = await userJwt(name, user.getPublicKey(), signer, {
    ...options,
    permissions: options.permissions?.(user.getPublicKey()),
  });
  return { name, publicKey: user.getPublicKey(), jwt, creds: dec.decode(fmtCreds(jwt, user)) };
}

/**
 * A user JWT for a key someone else holds (`userPublicKey`, `U…`): the holder proves it with its
 * own seed when it connects. The `/join` service issues browser tabs this way; the tab's seed
 * never leaves the tab. `expiresAt` and `notBefore` are seconds since the epoch.
 */
export async function userJwt(
  name: string,
  userPublicKey: string,
  signer: UserSigner,
  options: {
    tags?: string[];
    expiresAt?: number;
    notBefore?: number;
    permissions?: UserPermissions | undefined;
  } = {},
): Promise<string> {
  if (signer.scoped && options.permissions) {
    throw new Error('a user signed by a role key takes the role permissions, not its own');
  }
  const claims = {
    issuer_account: signer.accountPublicKey,
    ...(signer.scoped ? {} : userClaims(options.permissions)),
    ...(options.tags ? { tags: options.tags } : {}),
  };
  return encodeUser(name, userPublicKey, pair(signer.signingSeed), claims, {
    ...opts,
    scopedUser: signer.scoped,
    ...(options.expiresAt !== undefined ? { exp: options.expiresAt } : {}),
    ...(options.notBefore !== undefined ? { nbf: options.notBefore } : {}),
  });
}

/**
 * Drops empty lists (a JWT carries absent ones). A permission with neither would allow everything:
 * that is refused here, so that an unrestricted user is always a deliberate `permissions: undefined`.
 */
function compact(p: { allow: string[]; deny: string[] }): { allow?: string[]; deny?: string[] } {
  if (p.allow.length === 0 && p.deny.length === 0) {
    throw new Error('a user permission with no allow and no deny entry would allow everything');
  }
  return {
    ...(p.allow.length ? { allow: [...new Set(p.allow)] } : {}),
    ...(p.deny.length ? { deny: [...new Set(p.deny)] } : {}),
  };
}

/** Public key of a seed. */
export function publicKeyOf(seed: string): string {
  return pair(seed).getPublicKey();
}

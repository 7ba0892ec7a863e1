import { readFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/nats-core';
import { AloftError } from '../support/index.ts';

/** What a `.creds` file says about its user (read, not verified: the server verifies). */
export interface CredentialsInfo {
  /** The user's public key (`U…`). */
  user: string;
  /** The JWT's name, e.g. `host@payments`. */
  name: string;
  /** The Aloft role and lattice from the JWT's tags, when Aloft issued it. */
  role: string | undefined;
  lattice: string | undefined;
  /** Expiry (seconds since the epoch), if any. */
  expires: number | undefined;
}

const JWT_BLOCK = /-{3,}BEGIN NATS USER JWT-{3,}\s*\n\s*(\S+)\s*\n/;
const SEED_BLOCK = /-{3,}BEGIN USER NKEY SEED-{3,}\s*\n\s*(SU[A-Z2-7]+)\s*\n/;

/** Tags Aloft puts in the user JWTs it issues. */
export const CREDENTIAL_TAGS = { role: 'aloft-role:', lattice: 'aloft-lattice:' } as const;

/**
 * Reads the user JWT in a `.creds` file's text.
 *
 * @throws {AloftError} `INVALID_INPUT` naming `source` when it is not a NATS user credentials file.
 */
export function parseCredentials(text: string, source = 'credentials'): CredentialsInfo {
  const jwt = JWT_BLOCK.exec(text)?.[1];
  const seed = SEED_BLOCK.exec(text)?.[1];
  const payload = jwt?.split('.')[1];
  if (!jwt || !seed || !payload) {
    throw new AloftError(
      'INVALID_INPUT',
      `${source} is not a NATS user credentials (.creds) file`,
      {
        hint: 'expected a user JWT and a user nkey seed block, as "aloft nats config" writes them',
      },
    );
  }
  let claims: {
    sub?: unknown;
    name?: unknown;
    exp?: unknown;
    nats?: { tags?: unknown };
  };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch (err) {
    throw new AloftError('INVALID_INPUT', `${source}: the user JWT cannot be decoded`, {
      cause: err,
    });
  }
  const tags = Array.isArray(claims.nats?.tags) ? claims.nats.tags.map(String) : [];
  const tag = (prefix: string): string | undefined =>
    tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
  return {
    user: typeof claims.sub === 'string' ? claims.sub : '',
    name: typeof claims.name === 'string' ? claims.name : '',
    role: tag(CREDENTIAL_TAGS.role),
    lattice: tag(CREDENTIAL_TAGS.lattice),
    expires: typeof claims.exp === 'number' ? claims.exp : undefined,
  };
}

/**
 * Reads a `.creds` file.
 *
 * @throws {AloftError} `INVALID_INPUT` naming the file when it is missing, unreadable or not creds.
 */
export function readCredentialsFile(path: string): { text: string; info: CredentialsInfo } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AloftError('INVALID_INPUT', `cannot read credentials file ${path}`, {
      cause: err,
      hint: 'pass --creds FILE or set NATS_CREDS to a .creds file',
    });
  }
  return { text, info: parseCredentials(text, path) };
}

/**
 * Checks that credentials issued for one lattice are not used for another.
 *
 * @throws {AloftError} `INVALID_INPUT` when the credentials name another lattice.
 */
export function assertCredentialsFor(info: CredentialsInfo, lattice: string): void {
  if (info.lattice !== undefined && info.lattice !== lattice) {
    throw new AloftError(
      'INVALID_INPUT',
      `the credentials of ${info.name || info.user} are for lattice ${info.lattice}, not ${lattice}`,
      { hint: `use --lattice ${info.lattice}, or credentials issued for ${lattice}` },
    );
  }
}

const byConnection = new WeakMap<NatsConnection, CredentialsInfo>();

/** Remembers which credentials a connection uses (for error messages naming the role). */
export function rememberCredentials(nc: NatsConnection, info: CredentialsInfo): void {
  byConnection.set(nc, info);
}

/** The credentials a connection was opened with, if it used Aloft-readable ones. */
export function credentialsOf(nc: NatsConnection): CredentialsInfo | undefined {
  return byConnection.get(nc);
}

/** "the host credentials of lattice payments" / "these credentials". */
export function describeCredentials(info: CredentialsInfo | undefined): string {
  if (!info) return 'these credentials';
  if (info.role && info.lattice)
    return `the ${info.role} credentials of lattice ${info.lattice} (${info.name})`;
  return `the credentials of ${info.name || info.user}`;
}

import {
  createAccount,
  createCurve,
  createOperator,
  createServer,
  createUser,
  fromCurveSeed,
  fromSeed,
  type KeyPair,
} from '@nats-io/nkeys';
import { SecurityCodes, SecurityError } from './errors.ts';
import { decodePublic, decodeSeed, encodePublic, encodeSeed, type Role } from './nkey-codec.ts';

/** Kinds of keys `aloft keys gen` makes. `curve` keys (x25519) seal secrets; the rest sign. */
export const KEY_KINDS = ['operator', 'account', 'user', 'host', 'component', 'curve'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** The first letter of each kind's public key (its seed starts with `S` and this letter). */
export const KEY_LETTER: Record<KeyKind, string> = {
  operator: 'O',
  account: 'A',
  user: 'U',
  host: 'N',
  component: 'M',
  curve: 'X',
};

/** A key pair: the public key to share and the seed to keep (mode 0600, never logged). */
export interface Key {
  kind: KeyKind;
  publicKey: string;
  seed: string;
}

/** A loaded signing key. */
export interface Signer {
  kind: Exclude<KeyKind, 'curve'>;
  publicKey: string;
  sign(data: Uint8Array): Uint8Array;
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** nkeys signs for NATS's roles only; a component key is a user key under another letter. */
function reRole(kp: KeyPair, kind: KeyKind): Key {
  if (kind !== 'component') return { kind, publicKey: kp.getPublicKey(), seed: text(kp.getSeed()) };
  const pub = decodePublic(kp.getPublicKey());
  const seed = decodeSeed(text(kp.getSeed()));
  if (!pub || !seed)
    throw new SecurityError(SecurityCodes.KEY_INVALID, 'nkeys made an unreadable key');
  return {
    kind,
    publicKey: encodePublic('component', pub.key),
    seed: encodeSeed('component', seed.seed),
  };
}

/**
 * A fresh key of `kind`.
 *
 * @example
 * const issuer = generateKey('account'); // issuer.publicKey 'A…', issuer.seed 'SA…'
 */
export function generateKey(kind: KeyKind): Key {
  switch (kind) {
    case 'operator':
      return reRole(createOperator(), kind);
    case 'account':
      return reRole(createAccount(), kind);
    case 'user':
      return reRole(createUser(), kind);
    case 'host':
      return reRole(createServer(), kind);
    case 'component':
      return reRole(createUser(), kind);
    case 'curve':
      return reRole(createCurve(), kind);
  }
}

const kindOf: Record<Role, KeyKind> = {
  operator: 'operator',
  account: 'account',
  user: 'user',
  host: 'host',
  component: 'component',
  curve: 'curve',
};

/**
 * Reads a seed (`S…`), alone or inside a file's text (the first line that is a seed, so NATS
 * `.creds` and `.nk` files both work). Throws `KEY_INVALID` naming `where` otherwise.
 */
export function parseSeed(input: string, where = 'the seed'): Key {
  const line = input
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => /^S[A-Z2-7]{50,}$/.test(l));
  const decoded = line ? decodeSeed(line) : undefined;
  if (!line || !decoded) {
    throw new SecurityError(SecurityCodes.KEY_INVALID, `${where} holds no valid nkey seed`, {
      hint: 'make one with "aloft keys gen <kind> --out FILE"',
    });
  }
  const kind = kindOf[decoded.role];
  const kp =
    kind === 'curve'
      ? fromCurveSeed(bytes(line))
      : fromSeed(bytes(kind === 'component' ? encodeSeed('user', decoded.seed) : line));
  return reRole(kp, kind);
}

/** A signer from a seed of any signing kind; `expect` restricts the kind. */
export function signerFromSeed(
  seed: string,
  expect?: Exclude<KeyKind, 'curve'>[],
  where = 'the seed',
): Signer {
  const key = parseSeed(seed, where);
  if (key.kind === 'curve' || (expect && !expect.includes(key.kind))) {
    throw new SecurityError(
      SecurityCodes.KEY_INVALID,
      `${where} is a ${key.kind} key; expected ${(expect ?? ['a signing key']).join(' or ')}`,
    );
  }
  const decoded = decodeSeed(key.seed);
  const nkeysSeed =
    key.kind === 'component' && decoded ? encodeSeed('user', decoded.seed) : key.seed;
  const kp = fromSeed(bytes(nkeysSeed));
  return { kind: key.kind, publicKey: key.publicKey, sign: (data) => kp.sign(data) };
}

/** The kind of a public key, or undefined when `text` is not one. */
export function publicKeyKind(text: string): KeyKind | undefined {
  const d = decodePublic(text);
  return d ? kindOf[d.role] : undefined;
}

/** Throws `KEY_INVALID` unless `text` is a public key of `kind`. */
export function assertPublicKey(text: string, kind: KeyKind, where: string): string {
  const actual = publicKeyKind(text);
  if (actual !== kind) {
    throw new SecurityError(
      SecurityCodes.KEY_INVALID,
      `${where}: ${JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text)} is not ${kind === 'account' ? 'an' : 'a'} ${kind} public key (${KEY_LETTER[kind]}…)`,
    );
  }
  return text;
}

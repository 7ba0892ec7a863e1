/**
 * The text form of nkey public keys (base32 of a type prefix byte, the 32-byte ed25519 key and a
 * CRC-16), enough to name one ed25519 key as another type. A browser tab's host id is a server
 * key (`N…`); NATS wants a user key (`U…`) as a user JWT's subject. Both name the same ed25519
 * key, so the tab signs the server's nonce with its host seed and nats-server verifies it against
 * the `U…` twin: the NATS user *is* the host id. Pure.
 */
import { AloftError } from '../support/index.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** nkey prefix bytes (`Prefix` in nkeys.js): the type letter is the first base32 character. */
const PREFIX = { user: 20 << 3, server: 13 << 3, account: 0, operator: 14 << 3 } as const;

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of text) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) return undefined;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** The raw ed25519 public key of an nkey public key of `type`, or undefined when it is not one. */
export function rawPublicKey(key: string, type: keyof typeof PREFIX): Uint8Array | undefined {
  if (key.length !== 56) return undefined;
  const bytes = base32Decode(key);
  if (bytes?.length !== 35 || bytes[0] !== PREFIX[type]) return undefined;
  const body = bytes.subarray(0, 33);
  const crc = (bytes[33] ?? 0) | ((bytes[34] ?? 0) << 8);
  return crc16(body) === crc ? bytes.slice(1, 33) : undefined;
}

function encodePublic(raw: Uint8Array, type: keyof typeof PREFIX): string {
  const bytes = new Uint8Array(35);
  bytes[0] = PREFIX[type];
  bytes.set(raw, 1);
  const crc = crc16(bytes.subarray(0, 33));
  bytes[33] = crc & 0xff;
  bytes[34] = crc >>> 8;
  return base32Encode(bytes);
}

/** True when `key` is a well-formed server public key (`N…`, checksum intact): a host id. */
export const isServerKey = (key: string): boolean => rawPublicKey(key, 'server') !== undefined;

/**
 * The user public key (`U…`) of the same ed25519 key as the server key `hostId` (`N…`).
 *
 * @throws {AloftError} `INVALID_INPUT` when `hostId` is not a server public key.
 * @example
 * userKeyOf(host.id); // 'UB…': a signature by the host's seed verifies against it
 */
export function userKeyOf(hostId: string): string {
  const raw = rawPublicKey(hostId, 'server');
  if (!raw) {
    throw new AloftError(
      'INVALID_INPUT',
      `${JSON.stringify(hostId.slice(0, 60))} is not a host id (an nkey server public key: N and 55 more base32 characters)`,
    );
  }
  return encodePublic(raw, 'user');
}

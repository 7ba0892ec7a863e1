/**
 * The nkey text encoding (base32 of prefix byte(s), payload and a CRC-16/XMODEM checksum), for
 * any prefix. `@nats-io/nkeys` encodes only NATS's own roles; Aloft adds the component role
 * (`M…`, as wasmCloud names module keys) and lets nkeys do the cryptography. Pure.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Prefix bytes: the first base32 character of an encoded key names its role. */
export const PREFIX = {
  seed: 18 << 3, // S
  operator: 14 << 3, // O
  account: 0, // A
  host: 13 << 3, // N (NATS "server")
  user: 20 << 3, // U
  component: 12 << 3, // M ("module")
  curve: 23 << 3, // X
} as const;
export type Role = Exclude<keyof typeof PREFIX, 'seed'>;

export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32 without padding; undefined on any character outside the alphabet. */
export function base32Decode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v === -1) return undefined;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

function withChecksum(raw: Uint8Array): string {
  const crc = crc16(raw);
  const all = new Uint8Array(raw.length + 2);
  all.set(raw);
  all[raw.length] = crc & 0xff;
  all[raw.length + 1] = crc >>> 8;
  return base32Encode(all);
}

function checked(text: string): Uint8Array | undefined {
  const all = base32Decode(text);
  if (!all || all.length < 3) return undefined;
  const raw = all.subarray(0, all.length - 2);
  const crc = (all[all.length - 2] ?? 0) | ((all[all.length - 1] ?? 0) << 8);
  // Re-encoding must give the same text: refuses non-canonical trailing bits too.
  return crc16(raw) === crc && withChecksum(raw) === text ? raw : undefined;
}

/** Encodes a 32-byte public key for `role`. */
export function encodePublic(role: Role, key: Uint8Array): string {
  const raw = new Uint8Array(1 + key.length);
  raw[0] = PREFIX[role];
  raw.set(key, 1);
  return withChecksum(raw);
}

/** Encodes a 32-byte ed25519 (or x25519) seed for `role`: `S` + the role's letter. */
export function encodeSeed(role: Role, seed: Uint8Array): string {
  const raw = new Uint8Array(2 + seed.length);
  raw[0] = PREFIX.seed | (PREFIX[role] >> 5);
  raw[1] = (PREFIX[role] & 31) << 3;
  raw.set(seed, 2);
  return withChecksum(raw);
}

const roleOf = (prefix: number): Role | undefined =>
  (Object.keys(PREFIX) as (keyof typeof PREFIX)[]).find(
    (r): r is Role => r !== 'seed' && PREFIX[r] === prefix,
  );

/** Decodes a public key: its role and 32 raw bytes, or undefined when it is not one. */
export function decodePublic(text: string): { role: Role; key: Uint8Array } | undefined {
  const raw = checked(text);
  if (!raw || raw.length !== 33) return undefined;
  const role = roleOf(raw[0] ?? -1);
  return role ? { role, key: raw.slice(1) } : undefined;
}

/** Decodes a seed: its role and 32 raw bytes, or undefined when it is not one. */
export function decodeSeed(text: string): { role: Role; seed: Uint8Array } | undefined {
  const raw = checked(text);
  if (!raw || raw.length !== 34) return undefined;
  const b0 = raw[0] ?? 0;
  const b1 = raw[1] ?? 0;
  if ((b0 & 0xf8) !== PREFIX.seed) return undefined;
  const role = roleOf(((b0 & 7) << 5) | ((b1 & 0xf8) >> 3));
  return role ? { role, seed: raw.slice(2) } : undefined;
}

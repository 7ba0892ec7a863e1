/**
 * Top-level sections of a WebAssembly binary (component or core module), enough to find, remove
 * and append the custom section that carries a component's signed claims. Pure.
 */
import { concatBytes } from '../support/index.ts';
import { SecurityCodes, SecurityError } from './errors.ts';

/** The custom section that carries a component's claims JWT (the runtime reserves this name). */
export const CLAIMS_SECTION = 'aloft-claims';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

interface Section {
  id: number;
  start: number;
  end: number;
  /** For custom sections: the name and where the content after it starts. */
  name?: string;
  contentStart?: number;
}

const malformed = (why: string): SecurityError =>
  new SecurityError(SecurityCodes.MALFORMED, `not a readable WebAssembly binary: ${why}`);

function readLeb(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0, i = 0; i < 5; i++, shift += 7) {
    const b = bytes[pos + i];
    if (b === undefined) throw malformed(`a size runs past the end at byte ${pos}`);
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, pos + i + 1];
  }
  throw malformed(`a size at byte ${pos} is longer than 5 bytes`);
}

function writeLeb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every top-level section; throws `COMPONENT_MALFORMED` when the structure is broken. */
function sections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b))
    throw malformed('no WebAssembly header');
  const out: Section[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos] ?? 0;
    const [size, payload] = readLeb(bytes, pos + 1);
    const end = payload + size;
    if (end > bytes.length) throw malformed(`section ${id} at byte ${start} runs past the end`);
    const section: Section = { id, start, end };
    if (id === 0) {
      const [len, nameStart] = readLeb(bytes, payload);
      if (nameStart + len > end)
        throw malformed(`custom section name at byte ${start} runs past its section`);
      try {
        section.name = utf8.decode(bytes.subarray(nameStart, nameStart + len));
      } catch {
        throw malformed(`custom section name at byte ${start} is not UTF-8`);
      }
      section.contentStart = nameStart + len;
    }
    out.push(section);
    pos = end;
  }
  return out;
}

/** The contents of every `aloft-claims` section (normally none or one). */
export function claimsSections(bytes: Uint8Array): Uint8Array[] {
  return sections(bytes)
    .filter((s) => s.name === CLAIMS_SECTION)
    .map((s) => bytes.slice(s.contentStart, s.end));
}

/** The binary without its `aloft-claims` sections: what a signature's hash covers. */
export function withoutClaims(bytes: Uint8Array): Uint8Array {
  const all = sections(bytes);
  if (!all.some((s) => s.name === CLAIMS_SECTION)) return bytes;
  return concatBytes([
    bytes.subarray(0, 8),
    ...all.filter((s) => s.name !== CLAIMS_SECTION).map((s) => bytes.subarray(s.start, s.end)),
  ]);
}

/** The binary with its claims replaced by `content` (one `aloft-claims` section, appended last). */
export function withClaims(bytes: Uint8Array, content: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode(CLAIMS_SECTION);
  const payload = concatBytes([Uint8Array.from(writeLeb(name.length)), name, content]);
  const section = concatBytes([
    Uint8Array.of(0),
    Uint8Array.from(writeLeb(payload.length)),
    payload,
  ]);
  return concatBytes([withoutClaims(bytes), section]);
}

/** Lower-case hex SHA-256 (WebCrypto: the same in Node and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The hash a component's claims are signed for: SHA-256 of the binary without its claims. */
export function moduleHash(bytes: Uint8Array): Promise<string> {
  return sha256Hex(withoutClaims(bytes));
}

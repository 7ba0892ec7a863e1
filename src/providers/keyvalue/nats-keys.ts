const encoder = new TextEncoder();
const decoder = new TextDecoder();
const plain = /[A-Za-z0-9_\-/]/;

/**
 * Encodes any key as a NATS KV key: letters, digits, `_`, `-` and `/` stay as they are; every other
 * UTF-8 byte becomes `=XX` (upper-case hex). No dots remain, so no key can form an invalid or
 * wildcard subject. The mapping is one-to-one.
 *
 * @example
 * encodeNatsKey('user:1'); // 'user=3A1'
 */
export function encodeNatsKey(key: string): string {
  let out = '';
  for (const ch of key) {
    if (plain.test(ch)) out += ch;
    else
      for (const b of encoder.encode(ch))
        out += `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of {@link encodeNatsKey}; keys written by other clients pass through unchanged. */
export function decodeNatsKey(encoded: string): string {
  if (!encoded.includes('=')) return encoded;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length;) {
    const hex = encoded.slice(i + 1, i + 3);
    if (encoded[i] === '=' && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      for (const b of encoder.encode(encoded[i])) bytes.push(b);
      i += 1;
    }
  }
  return decoder.decode(Uint8Array.from(bytes));
}

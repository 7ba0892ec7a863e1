/** Unsigned LEB128 decoding and encoding for the WebAssembly binary format. */

/** Reads an unsigned LEB128 number (up to 2^53) at `offset`; returns it and the next offset. */
export function readU32(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let result = 0;
  let scale = 1;
  let pos = offset;
  for (;;) {
    if (pos >= bytes.length) throw new RangeError(`truncated LEB128 at offset ${offset}`);
    const byte = bytes[pos++] ?? 0;
    result += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [result, pos];
    scale *= 128;
    if (scale > 2 ** 56) throw new RangeError(`LEB128 too long at offset ${offset}`);
  }
}

/** Encodes an unsigned number as LEB128. */
export function writeU32(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

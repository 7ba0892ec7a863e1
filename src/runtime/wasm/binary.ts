import { concatBytes } from '../../support/index.ts';
import { readU32, writeU32 } from './leb.ts';

/** What a buffer holds, judged by its 8-byte header. */
export type WasmKind = 'component' | 'core-module' | 'not-wasm';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Classifies bytes as a component, a core module, or not WebAssembly at all. */
export function wasmKind(bytes: Uint8Array): WasmKind {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) return 'not-wasm';
  if (bytes[4] === 0x01 && bytes[5] === 0x00 && bytes[6] === 0x00 && bytes[7] === 0x00)
    return 'core-module';
  if (bytes[6] === 0x01 && bytes[7] === 0x00) return 'component';
  return 'not-wasm';
}

/** One top-level section: its id and where its payload lies. */
export interface Section {
  id: number;
  /** Offset of the section's first byte (the id). */
  start: number;
  /** Offset of the payload (after id and size). */
  payloadStart: number;
  /** Offset just past the payload. */
  end: number;
}

/** The top-level sections of a module or component, in order. */
export function sections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++] ?? 0;
    const [size, payloadStart] = readU32(bytes, pos);
    const end = payloadStart + size;
    if (end > bytes.length) throw new RangeError(`section ${id} at ${start} runs past the end`);
    out.push({ id, start, payloadStart, end });
    pos = end;
  }
  return out;
}

const decoder = new TextDecoder();

/** Reads a length-prefixed UTF-8 name at `offset`. */
export function readName(bytes: Uint8Array, offset: number): [name: string, next: number] {
  const [len, pos] = readU32(bytes, offset);
  return [decoder.decode(bytes.subarray(pos, pos + len)), pos + len];
}

/** Top-level custom sections by name (the first one of each name wins). */
export function customSections(bytes: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const s of sections(bytes)) {
    if (s.id !== 0) continue;
    const [name, pos] = readName(bytes, s.payloadStart);
    if (!out.has(name)) out.set(name, bytes.slice(pos, s.end));
  }
  return out;
}

/** Encodes one section: id, LEB size, payload. */
export function encodeSection(id: number, payload: ArrayLike<number>): Uint8Array {
  const size = writeU32(payload.length);
  const out = new Uint8Array(1 + size.length + payload.length);
  out[0] = id;
  out.set(size, 1);
  out.set(payload, 1 + size.length);
  return out;
}

/** Rebuilds a binary with some sections replaced (by index in `sections(bytes)`). */
export function replaceSections(
  bytes: Uint8Array,
  replacements: Map<number, Uint8Array>,
): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  sections(bytes).forEach((s, i) =>
    parts.push(replacements.get(i) ?? bytes.subarray(s.start, s.end)),
  );
  return concatBytes(parts);
}

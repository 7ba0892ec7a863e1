import { readU32, writeU32 } from './leb.ts';
import { encodeSection, replaceSections, sections } from './binary.ts';

/** Bytes in one WebAssembly page. */
export const WASM_PAGE = 65536;

const MEMORY_SECTION = 5;

/** Thrown when a module's initial memory already exceeds the cap. */
export class MemoryCapTooSmall extends RangeError {
  readonly initialPages: number;
  readonly capPages: number;
  constructor(initialPages: number, capPages: number) {
    super(`the module needs ${initialPages} pages at start, above the cap of ${capPages}`);
    this.initialPages = initialPages;
    this.capPages = capPages;
  }
}

/**
 * Caps every memory a core module defines at `capPages` (64 KiB each) by rewriting the maximum
 * in its memory section, so that `memory.grow` beyond it fails and the guest traps there.
 * Imported memories are left alone (they are capped where they are defined).
 * Returns the input unchanged when the module defines no memory.
 */
export function capMemory(module: Uint8Array, capPages: number): Uint8Array {
  const all = sections(module);
  const index = all.findIndex((s) => s.id === MEMORY_SECTION);
  const section = all[index];
  if (!section) return module;
  let [count, pos] = readU32(module, section.payloadStart);
  const payload: number[] = writeU32(count);
  for (; count > 0; count--) {
    const flags = module[pos++] ?? 0;
    const is64 = (flags & 0x04) !== 0;
    const hasMax = (flags & 0x01) !== 0;
    let min: number;
    let max: number | undefined;
    [min, pos] = readU32(module, pos);
    if (hasMax) [max, pos] = readU32(module, pos);
    if (min > capPages) throw new MemoryCapTooSmall(min, capPages);
    const newMax = Math.min(max ?? Number.POSITIVE_INFINITY, capPages);
    payload.push(flags | 0x01, ...writeU32(min), ...writeU32(newMax));
    if (is64 && newMax > 2 ** 53) throw new RangeError('memory64 maximum out of range');
  }
  return replaceSections(module, new Map([[index, encodeSection(MEMORY_SECTION, payload)]]));
}

/** The widest LEB128 encoding of a u32: 5 bytes. */
const WIDE = 5;

/** `value` as a 5-byte LEB128 (redundant continuation bytes are valid wasm). */
function wideLeb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  for (let i = 0; i < WIDE; i++) {
    const byte = v % 128;
    v = Math.floor(v / 128);
    out.push(i < WIDE - 1 ? byte | 0x80 : byte);
  }
  return out;
}

/** Pages of a 32-bit memory's largest size (4 GiB): "no maximum". */
const MAX_PAGES_32 = 65536;

/**
 * Rewrites a module once (when it is transpiled) so that every memory it defines has a maximum
 * encoded on 5 bytes; {@link capMemoryInPlace} can then cap it at each load by overwriting those
 * bytes, without copying a 12 MB module (on these VMs a fresh 12 MB copy costs ~60 ms of page
 * faults, in the thread that loads). Memory64 modules are returned unchanged.
 */
export function prepareMemoryCap(module: Uint8Array): Uint8Array {
  const all = sections(module);
  const index = all.findIndex((s) => s.id === MEMORY_SECTION);
  const section = all[index];
  if (!section) return module;
  let [count, pos] = readU32(module, section.payloadStart);
  const payload: number[] = writeU32(count);
  for (; count > 0; count--) {
    const flags = module[pos++] ?? 0;
    if ((flags & 0x04) !== 0) return module;
    let min: number;
    let max: number | undefined;
    [min, pos] = readU32(module, pos);
    if ((flags & 0x01) !== 0) [max, pos] = readU32(module, pos);
    payload.push(flags | 0x01, ...writeU32(min), ...wideLeb(max ?? MAX_PAGES_32));
  }
  return replaceSections(module, new Map([[index, encodeSection(MEMORY_SECTION, payload)]]));
}

/**
 * Caps a module prepared by {@link prepareMemoryCap} in place (compile it in the same synchronous
 * step: compiling copies the bytes). `originals` remembers each buffer's declared maxima, so the
 * same buffer can be capped again with another limit. Returns false, leaving the module untouched,
 * when it is not prepared.
 */
export function capMemoryInPlace(
  module: Uint8Array,
  capPages: number,
  originals: WeakMap<Uint8Array, number[]>,
): boolean {
  const section = sections(module).find((s) => s.id === MEMORY_SECTION);
  if (!section) return true;
  let [count, pos] = readU32(module, section.payloadStart);
  const maxAt: [offset: number, max: number][] = [];
  for (; count > 0; count--) {
    const flags = module[pos++] ?? 0;
    if ((flags & 0x05) !== 0x01) return false;
    let min: number;
    [min, pos] = readU32(module, pos);
    const [max, next] = readU32(module, pos);
    if (next - pos !== WIDE) return false;
    if (min > capPages) throw new MemoryCapTooSmall(min, capPages);
    maxAt.push([pos, max]);
    pos = next;
  }
  let declared = originals.get(module);
  if (!declared) {
    declared = maxAt.map(([, max]) => max);
    originals.set(module, declared);
  }
  maxAt.forEach(([at], i) =>
    module.set(wideLeb(Math.min(declared[i] ?? MAX_PAGES_32, capPages)), at),
  );
  return true;
}

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

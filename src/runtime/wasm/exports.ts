import { readU32, writeU32 } from './leb.ts';
import { encodeSection, readName, replaceSections, sections } from './binary.ts';

const EXPORT_SECTION = 7;
const encoder = new TextEncoder();

/** The names a core module exports. */
export function coreExportNames(module: Uint8Array): string[] {
  const section = sections(module).find((s) => s.id === EXPORT_SECTION);
  if (!section) return [];
  const names: string[] = [];
  let [count, pos] = readU32(module, section.payloadStart);
  for (; count > 0; count--) {
    let name: string;
    [name, pos] = readName(module, pos);
    pos += 1; // kind
    [, pos] = readU32(module, pos);
    names.push(name);
  }
  return names;
}

/**
 * Renames a core module's exports (`rename(old)` returns the new name, or the old one).
 * Used to give AssemblyScript exports the canonical ABI names (`ns:pkg/iface@v#func`),
 * which are not valid identifiers.
 */
export function renameExports(module: Uint8Array, rename: (name: string) => string): Uint8Array {
  const all = sections(module);
  const index = all.findIndex((s) => s.id === EXPORT_SECTION);
  const section = all[index];
  if (!section) return module;
  let [count, pos] = readU32(module, section.payloadStart);
  const payload: number[] = writeU32(count);
  for (; count > 0; count--) {
    let name: string;
    [name, pos] = readName(module, pos);
    const kind = module[pos++] ?? 0;
    let idx: number;
    [idx, pos] = readU32(module, pos);
    const bytes = encoder.encode(rename(name));
    payload.push(...writeU32(bytes.length), ...bytes, kind, ...writeU32(idx));
  }
  return replaceSections(module, new Map([[index, encodeSection(EXPORT_SECTION, payload)]]));
}

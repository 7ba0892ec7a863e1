import { readU32 } from './leb.ts';
import { readName, sections } from './binary.ts';

const IMPORT_SECTION = 10;
const EXPORT_SECTION = 11;

/** Kinds of component-level imports and exports. */
export type ExternKind = 'module' | 'func' | 'value' | 'type' | 'component' | 'instance';
const kinds: ExternKind[] = ['module', 'func', 'value', 'type', 'component', 'instance'];

/** One top-level import or export of a component. */
export interface ComponentExtern {
  name: string;
  kind: ExternKind;
}

/** Top-level imports and exports of a component binary (names as written, e.g. `ns:pkg/i@1.0.0`). */
export interface ComponentExterns {
  imports: ComponentExtern[];
  exports: ComponentExtern[];
}

function readExternName(bytes: Uint8Array, pos: number): [string, number] {
  const form = bytes[pos++];
  let name: string;
  [name, pos] = readName(bytes, pos);
  if (form === 0x01)
    [, pos] = readName(bytes, pos); // version suffix
  else if (form !== 0x00) throw new RangeError(`unknown extern name form ${String(form)}`);
  return [name, pos];
}

/** Skips an externdesc; returns its kind and the next offset. */
function readExternDesc(bytes: Uint8Array, pos: number): [ExternKind, number] {
  const tag = bytes[pos++] ?? 0xff;
  const kind = kinds[tag];
  if (!kind) throw new RangeError(`unknown externdesc ${tag}`);
  if (tag === 0x00) pos += 1; // 0x11 core module type marker
  if (tag === 0x02 || tag === 0x03) {
    const bound = bytes[pos++];
    if (tag === 0x03 && bound === 0x01) return [kind, pos]; // sub resource
  }
  [, pos] = readU32(bytes, pos);
  return [kind, pos];
}

/** Reads the top-level import and export names of a component. */
export function componentExterns(bytes: Uint8Array): ComponentExterns {
  const imports: ComponentExtern[] = [];
  const exports: ComponentExtern[] = [];
  for (const s of sections(bytes)) {
    if (s.id === IMPORT_SECTION) {
      let [count, pos] = readU32(bytes, s.payloadStart);
      for (; count > 0; count--) {
        let name: string;
        let kind: ExternKind;
        [name, pos] = readExternName(bytes, pos);
        [kind, pos] = readExternDesc(bytes, pos);
        imports.push({ name, kind });
      }
    } else if (s.id === EXPORT_SECTION) {
      let [count, pos] = readU32(bytes, s.payloadStart);
      for (; count > 0; count--) {
        let name: string;
        [name, pos] = readExternName(bytes, pos);
        const sort = bytes[pos++] ?? 0xff;
        if (sort === 0x00) pos += 1; // core sort
        const kind = kinds[sort === 0x00 ? 0 : sort];
        if (!kind) throw new RangeError(`unknown sort ${sort}`);
        [, pos] = readU32(bytes, pos);
        const hasDesc = bytes[pos++];
        if (hasDesc === 0x01) [, pos] = readExternDesc(bytes, pos);
        exports.push({ name, kind });
      }
    }
  }
  return { imports, exports };
}

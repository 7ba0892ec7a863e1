import { concatBytes } from '../../support/index.ts';
import { readU32, writeU32 } from './leb.ts';
import { encodeSection, readName, sections, type Section } from './binary.ts';

/**
 * Fuel metering for core modules, so that a guest can run on the host's own thread and still be
 * stopped: a module is rewritten once to count down an exported i64 global at every function
 * entry, every loop iteration and per KiB of `memory.copy`/`memory.fill`, and to trap
 * (`unreachable`) when it goes below zero. The host sets the global before each call (the
 * budget) and reads it after a trap to tell "out of fuel" from the guest's own traps.
 * Between two checks a guest runs at most one function body's straight-line code, so the budget
 * bounds how long the host thread is held. Modules using an instruction or a type this rewriter
 * does not know (GC, typed function references, memory64) are not metered: `undefined`.
 */

/** Name of the exported fuel global in a metered module. */
export const FUEL_EXPORT = '__aloft_fuel';

/** The fuel a metered module starts with: more than it can ever burn. */
export const UNMETERED = 2n ** 62n;

/** Signed LEB128 of a bigint. */
function sleb64(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Section ids. */
const TYPE = 1;
const IMPORT = 2;
const FUNCTION = 3;
const MEMORY = 5;
const GLOBAL = 6;
const EXPORT = 7;
const CODE = 10;
/** Sections that precede the global section, in binary order (13 is the tag section). */
const BEFORE_GLOBAL = new Set([1, 2, 3, 4, 5, 13]);
const BEFORE_EXPORT = new Set([...BEFORE_GLOBAL, GLOBAL]);

const I32 = 0x7f;
const I64 = 0x7e;

class Unsupported extends Error {}

/** A cursor over a byte array. */
class Reader {
  readonly bytes: Uint8Array;
  pos: number;
  constructor(bytes: Uint8Array, pos: number) {
    this.bytes = bytes;
    this.pos = pos;
  }
  byte(): number {
    if (this.pos >= this.bytes.length) throw new Unsupported('truncated');
    return this.bytes[this.pos++] as number;
  }
  u32(): number {
    const [v, next] = readU32(this.bytes, this.pos);
    this.pos = next;
    return v;
  }
  /** Skips a signed LEB128 (any width). */
  sleb(): void {
    while ((this.byte() & 0x80) !== 0);
  }
  skip(n: number): void {
    this.pos += n;
  }
  /** A memory argument: alignment (bit 6: a memory index follows), offset. */
  memarg(): void {
    const align = this.u32();
    if ((align & 0x40) !== 0) this.u32();
    this.u32();
  }
  /** A block type: empty, a value type, or a type index (s33). */
  blockType(): void {
    const b = this.bytes[this.pos] ?? 0;
    if (b === 0x64 || b === 0x63) throw new Unsupported('typed reference block type');
    this.sleb();
  }
  valType(): number {
    const b = this.byte();
    if (b === 0x64 || b === 0x63) throw new Unsupported('typed reference value type');
    return b;
  }
  limits(): void {
    const flags = this.byte();
    this.u32();
    if ((flags & 0x01) !== 0) this.u32();
  }
}

/** Where instrumentation goes in one function body. */
interface Plan {
  /** Offsets just after a `loop` block type: the start of every iteration. */
  loops: number[];
  /** Offsets of `memory.copy` / `memory.fill` (the 0xFC prefix). */
  bulk: number[];
}

/** Walks one function's instructions from `pos` to `end`, recording where checks go. */
function planBody(r: Reader, end: number): Plan {
  const plan: Plan = { loops: [], bulk: [] };
  while (r.pos < end) {
    const at = r.pos;
    const op = r.byte();
    if (op === 0x03) {
      r.blockType();
      plan.loops.push(r.pos);
      continue;
    }
    switch (op) {
      case 0x02: // block
      case 0x04: // if
      case 0x06: // try
        r.blockType();
        break;
      case 0x07: // catch
      case 0x08: // throw
      case 0x09: // rethrow
      case 0x18: // delegate
      case 0x0c: // br
      case 0x0d: // br_if
      case 0x10: // call
      case 0x12: // return_call
      case 0x20: // local.get
      case 0x21: // local.set
      case 0x22: // local.tee
      case 0x23: // global.get
      case 0x24: // global.set
      case 0x25: // table.get
      case 0x26: // table.set
      case 0x3f: // memory.size
      case 0x40: // memory.grow
      case 0xd2: // ref.func
        r.u32();
        break;
      case 0x0e: {
        // br_table: the labels, then the default
        for (let n = r.u32(); n > 0; n--) r.u32();
        r.u32();
        break;
      }
      case 0x11: // call_indirect
      case 0x13: // return_call_indirect
        r.u32();
        r.u32();
        break;
      case 0x1c: {
        // select with types
        for (let n = r.u32(); n > 0; n--) r.valType();
        break;
      }
      case 0x1f: {
        // try_table: block type, then catch clauses
        r.blockType();
        for (let n = r.u32(); n > 0; n--) {
          const kind = r.byte();
          if (kind === 0 || kind === 1) r.u32();
          r.u32();
        }
        break;
      }
      case 0x41: // i32.const
      case 0x42: // i64.const
        r.sleb();
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0xd0: {
        // ref.null: an abstract heap type (one byte) in the reference-types proposal
        const b = r.byte();
        if (b !== 0x70 && b !== 0x6f) throw new Unsupported('ref.null of a typed reference');
        break;
      }
      case 0xfc:
        prefixFC(r, plan, at);
        break;
      case 0xfd:
        prefixFD(r);
        break;
      case 0xfe: {
        // threads: atomic.fence has one zero byte, every other op a memory argument
        const sub = r.u32();
        if (sub === 0x03) r.byte();
        else r.memarg();
        break;
      }
      default:
        if (op >= 0x28 && op <= 0x3e) {
          r.memarg();
          break;
        }
        if (
          op <= 0x01 || // unreachable, nop
          op === 0x05 || // else
          op === 0x0a || // throw_ref
          op === 0x0b || // end
          op === 0x0f || // return
          op === 0x19 || // catch_all
          op === 0x1a || // drop
          op === 0x1b || // select
          (op >= 0x45 && op <= 0xc4) || // numeric
          op === 0xd1 // ref.is_null
        ) {
          break;
        }
        throw new Unsupported(`opcode 0x${op.toString(16)}`);
    }
  }
  if (r.pos !== end) throw new Unsupported('function body overruns');
  return plan;
}

function prefixFC(r: Reader, plan: Plan, at: number): void {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncations
  switch (sub) {
    case 8: // memory.init
    case 12: // table.init
    case 14: // table.copy
      r.u32();
      r.u32();
      return;
    case 10: // memory.copy
      plan.bulk.push(at);
      r.u32();
      r.u32();
      return;
    case 11: // memory.fill
      plan.bulk.push(at);
      r.u32();
      return;
    case 9: // data.drop
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return;
    default:
      throw new Unsupported(`opcode 0xfc ${sub}`);
  }
}

function prefixFD(r: Reader): void {
  const sub = r.u32();
  if (sub <= 0x0b || sub === 0x5c || sub === 0x5d)
    r.memarg(); // loads, store, load_zero
  else if (sub === 0x0c || sub === 0x0d)
    r.skip(16); // v128.const, i8x16.shuffle
  else if (sub >= 0x15 && sub <= 0x22)
    r.skip(1); // extract/replace lane
  else if (sub >= 0x54 && sub <= 0x5b) {
    r.memarg(); // load/store lane
    r.skip(1);
  }
}

/** After the cost (an i64) was pushed on `global.get f`: subtract, store, trap below zero. */
function settle(fuel: number[]): number[] {
  // i64.sub; global.set f; global.get f; i64.const 0; i64.lt_s; if; unreachable; end
  return [0x7d, 0x24, ...fuel, 0x23, ...fuel, 0x42, 0x00, 0x53, 0x04, 0x40, 0x00, 0x0b];
}

/** One unit of fuel: `fuel -= 1`, trap below zero. */
function checkOne(fuel: number[]): number[] {
  return [0x23, ...fuel, 0x42, 0x01, ...settle(fuel)];
}

/** Rewrites one function body (locals + instructions) with its checks. */
function meterBody(
  bytes: Uint8Array,
  start: number,
  end: number,
  params: number,
  fuel: number[],
): number[] {
  const r = new Reader(bytes, start);
  const groups = r.u32();
  let locals = 0;
  const declared: number[] = [];
  for (let i = 0; i < groups; i++) {
    const n = r.u32();
    const type = r.valType();
    locals += n;
    declared.push(...writeU32(n), type);
  }
  const codeStart = r.pos;
  const plan = planBody(r, end);
  const out: number[] = [];
  const scratch = params + locals;
  if (plan.bulk.length > 0) {
    out.push(...writeU32(groups + 1), ...declared, 0x01, I32);
  } else {
    out.push(...writeU32(groups), ...declared);
  }
  out.push(...checkOne(fuel));
  // Splice checks in at the recorded offsets, in order.
  const points = [
    ...plan.loops.map((at) => ({ at, kind: 'loop' as const })),
    ...plan.bulk.map((at) => ({ at, kind: 'bulk' as const })),
  ].sort((a, b) => a.at - b.at);
  let pos = codeStart;
  const sc = writeU32(scratch);
  for (const p of points) {
    for (let i = pos; i < p.at; i++) out.push(bytes[i] as number);
    pos = p.at;
    if (p.kind === 'loop') out.push(...checkOne(fuel));
    else {
      // the length is on top of the stack: keep it aside, charge 1 + length / 1 KiB, put it back
      // local.set s; global.get f; local.get s; i32.const 10; i32.shr_u; i64.extend_i32_u;
      // i64.const 1; i64.add; <settle>; local.get s
      out.push(0x21, ...sc, 0x23, ...fuel, 0x20, ...sc, 0x41, 0x0a, 0x76, 0xad, 0x42, 0x01, 0x7c);
      out.push(...settle(fuel), 0x20, ...sc);
    }
  }
  for (let i = pos; i < end; i++) out.push(bytes[i] as number);
  return out;
}

interface Counts {
  /** Imported globals come first in the global index space: the fuel global's index follows. */
  importedGlobals: number;
  /** Parameter counts of every type in the type section (all function types). */
  typeParams: number[];
  /** The type of every defined function. */
  funcTypes: number[];
}

function readCounts(bytes: Uint8Array, all: Section[]): Counts {
  const counts: Counts = { importedGlobals: 0, typeParams: [], funcTypes: [] };
  for (const s of all) {
    const r = new Reader(bytes, s.payloadStart);
    if (s.id === TYPE) {
      for (let n = r.u32(); n > 0; n--) {
        const form = r.byte();
        if (form !== 0x60) throw new Unsupported('non-function type');
        const params = r.u32();
        for (let i = 0; i < params; i++) r.valType();
        for (let i = r.u32(); i > 0; i--) r.valType();
        counts.typeParams.push(params);
      }
    } else if (s.id === IMPORT) {
      for (let n = r.u32(); n > 0; n--) {
        r.skip(r.u32());
        r.skip(r.u32());
        const kind = r.byte();
        if (kind === 0) {
          r.u32();
        } else if (kind === 1) {
          r.valType();
          r.limits();
        } else if (kind === 2) {
          r.limits();
        } else if (kind === 3) {
          counts.importedGlobals++;
          r.valType();
          r.byte();
        } else if (kind === 4) {
          r.byte();
          r.u32();
        } else throw new Unsupported(`import kind ${kind}`);
      }
    } else if (s.id === FUNCTION) {
      for (let n = r.u32(); n > 0; n--) counts.funcTypes.push(r.u32());
    } else if (s.id === MEMORY) {
      for (let n = r.u32(); n > 0; n--) {
        const flags = bytes[r.pos] ?? 0;
        if ((flags & 0x04) !== 0) throw new Unsupported('memory64');
        r.limits();
      }
    }
  }
  return counts;
}

/**
 * A metered copy of a core module (see the file comment), or `undefined` when it uses
 * instructions or types this rewriter does not handle (the module then runs unmetered, in a
 * worker only) or already is metered.
 */
export function meterFuel(bytes: Uint8Array): Uint8Array | undefined {
  try {
    return meter(bytes);
  } catch (err) {
    if (err instanceof Unsupported || err instanceof RangeError) return undefined;
    throw err;
  }
}

function meter(bytes: Uint8Array): Uint8Array {
  const all = sections(bytes);
  const counts = readCounts(bytes, all);
  const globalSection = all.find((s) => s.id === GLOBAL);
  let definedGlobals = 0;
  const globalEntries: ArrayLike<number>[] = [];
  if (globalSection) {
    const r = new Reader(bytes, globalSection.payloadStart);
    definedGlobals = r.u32();
    globalEntries.push(bytes.subarray(r.pos, globalSection.end));
  }
  const fuelIndex = counts.importedGlobals + definedGlobals;
  const fuel = writeU32(fuelIndex);
  // (global (mut i64) (i64.const 2^62)): instantiation (start functions, the bindings' set-up)
  // runs unmetered; the host sets the budget before each invocation it meters.
  globalEntries.push([I64, 0x01, 0x42, ...sleb64(UNMETERED), 0x0b]);
  const newGlobal = encodeSection(
    GLOBAL,
    concatBytes([writeU32(definedGlobals + 1), ...globalEntries]),
  );

  const exportSection = all.find((s) => s.id === EXPORT);
  const name = new TextEncoder().encode(FUEL_EXPORT);
  const fuelExport = [...writeU32(name.length), ...name, 0x03, ...fuel];
  let newExport: Uint8Array;
  if (exportSection) {
    const r = new Reader(bytes, exportSection.payloadStart);
    const n = r.u32();
    const entries = r.pos;
    for (let i = 0; i < n; i++) {
      const [field, next] = readName(bytes, r.pos);
      if (field === FUEL_EXPORT) throw new Unsupported('already metered');
      r.pos = next;
      r.byte();
      r.u32();
    }
    newExport = encodeSection(
      EXPORT,
      concatBytes([writeU32(n + 1), bytes.subarray(entries, exportSection.end), fuelExport]),
    );
  } else {
    newExport = encodeSection(EXPORT, concatBytes([writeU32(1), fuelExport]));
  }

  const codeSection = all.find((s) => s.id === CODE);
  let newCode: Uint8Array | undefined;
  if (codeSection) {
    const r = new Reader(bytes, codeSection.payloadStart);
    const n = r.u32();
    if (n !== counts.funcTypes.length) throw new Unsupported('function and code counts differ');
    const bodies: ArrayLike<number>[] = [writeU32(n)];
    for (let i = 0; i < n; i++) {
      const size = r.u32();
      const start = r.pos;
      const params = counts.typeParams[counts.funcTypes[i] as number];
      if (params === undefined) throw new Unsupported('function type out of range');
      const body = meterBody(bytes, start, start + size, params, fuel);
      bodies.push(writeU32(body.length), body);
      r.pos = start + size;
    }
    newCode = encodeSection(CODE, concatBytes(bodies));
  }

  const parts: ArrayLike<number>[] = [bytes.subarray(0, 8)];
  let placedGlobal = false;
  let placedExport = false;
  for (const s of all) {
    if (s.id !== 0 && !placedGlobal && !BEFORE_GLOBAL.has(s.id)) {
      parts.push(newGlobal);
      placedGlobal = true;
    }
    if (s.id !== 0 && !placedExport && !BEFORE_EXPORT.has(s.id)) {
      parts.push(newExport);
      placedExport = true;
    }
    if (s.id === GLOBAL || s.id === EXPORT) continue;
    parts.push(s.id === CODE && newCode ? newCode : bytes.subarray(s.start, s.end));
  }
  if (!placedGlobal) parts.push(newGlobal);
  if (!placedExport) parts.push(newExport);
  const out = concatBytes(parts);
  if (!WebAssembly.validate(out)) throw new Unsupported('metered module does not validate');
  return out;
}

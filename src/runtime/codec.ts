/**
 * A small binary codec for the values that cross between the main thread and instance workers:
 * undefined, null, booleans, numbers, bigints, strings, byte arrays, arrays and plain objects
 * (exactly what WIT values become in jco's JavaScript bindings). Portable: no Node APIs, so the
 * same code runs in browser Web Workers. Pure.
 */

/** A value the codec can carry. */
export type Value =
  | undefined
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Value[]
  | { [key: string]: Value };

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_NUMBER = 4;
const T_BIGINT = 5;
const T_STRING = 6;
const T_BYTES = 7;
const T_ARRAY = 8;
const T_OBJECT = 9;
const T_BIGUINT = 10;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Strings up to this length are converted without the text encoder/decoder when ASCII. */
const SHORT_STRING = 64;

/** Appends encoded values to a growing buffer. */
class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    const n = s.length;
    if (n <= SHORT_STRING) {
      // Short ASCII strings (names, operations, keys) are copied here: cheaper than a call
      // into the text encoder. Anything else takes the encoder's path below.
      this.ensure(4 + n);
      const buf = this.buf;
      const start = this.pos + 4;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        this.view.setUint32(this.pos, n, true);
        this.pos = start + n;
        return;
      }
    }
    // Worst case 3 bytes per UTF-16 unit; encodeInto writes in place.
    this.ensure(4 + n * 3);
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.pos + 4));
    this.view.setUint32(this.pos, written, true);
    this.pos += 4 + written;
  }

  value(v: Value): void {
    switch (typeof v) {
      case 'undefined':
        return this.u8(T_UNDEFINED);
      case 'boolean':
        return this.u8(v ? T_TRUE : T_FALSE);
      case 'number':
        this.u8(T_NUMBER);
        this.ensure(8);
        this.view.setFloat64(this.pos, v, true);
        this.pos += 8;
        return;
      case 'bigint':
        this.u8(v < 0n ? T_BIGINT : T_BIGUINT);
        this.ensure(8);
        if (v < 0n) this.view.setBigInt64(this.pos, v, true);
        else this.view.setBigUint64(this.pos, v, true);
        this.pos += 8;
        return;
      case 'string':
        this.u8(T_STRING);
        return this.string(v);
      case 'object':
        return this.object(v);
      case 'function':
      case 'symbol':
        throw new TypeError(`cannot encode a ${typeof v}`);
    }
  }

  object(v: Exclude<Value, undefined | boolean | number | bigint | string>): void {
    if (v === null) return this.u8(T_NULL);
    if (v instanceof Uint8Array) {
      this.u8(T_BYTES);
      return this.bytes(v);
    }
    if (Array.isArray(v)) {
      this.u8(T_ARRAY);
      this.u32(v.length);
      for (const item of v) this.value(item);
      return;
    }
    const keys = Object.keys(v);
    this.u8(T_OBJECT);
    this.u32(keys.length);
    for (const k of keys) {
      this.string(k);
      this.value(v[k]);
    }
  }
}

/** Reused by `encode` (a value's getters could re-enter it: then a fresh writer is used). */
let spare: Writer | undefined = new Writer();

/** Encodes a value into a fresh byte array. */
export function encode(value: Value): Uint8Array {
  const w = spare ?? new Writer();
  spare = undefined;
  try {
    w.pos = 0;
    w.value(value);
    return w.buf.slice(0, w.pos);
  } finally {
    // Keep a modest buffer for the next call; a huge one would pin memory.
    if (w.buf.length <= 64 * 1024) spare = w;
  }
}

/**
 * Decodes a value. `bytes` must not be a view of a SharedArrayBuffer (browsers refuse to
 * decode text from shared memory): copy it first.
 */
export function decode(bytes: Uint8Array): Value {
  const r = new Reader(bytes);
  const v = r.value();
  if (r.pos !== bytes.length)
    throw new RangeError(`trailing bytes after value (${bytes.length - r.pos})`);
  return v;
}

class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  string(): string {
    const n = this.u32();
    const { bytes, pos } = this;
    if (pos + n > bytes.length) throw new RangeError(`string runs past the end at ${pos}`);
    this.pos += n;
    if (n <= SHORT_STRING) {
      let s = '';
      let i = 0;
      for (; i < n; i++) {
        const c = bytes[pos + i] as number;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === n) return s;
    }
    return decoder.decode(bytes.subarray(pos, pos + n));
  }

  value(): Value {
    const { bytes, view } = this;
    const tag = bytes[this.pos++];
    switch (tag) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_NUMBER: {
        const v = view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case T_BIGINT: {
        const v = view.getBigInt64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case T_BIGUINT: {
        const v = view.getBigUint64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case T_STRING:
        return this.string();
      case T_BYTES: {
        const n = this.u32();
        const b = bytes.slice(this.pos, this.pos + n);
        if (b.length !== n) throw new RangeError(`byte array runs past the end at ${this.pos}`);
        this.pos += n;
        return b;
      }
      case T_ARRAY: {
        const n = this.u32();
        const out: Value[] = new Array<Value>(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      case T_OBJECT: {
        const n = this.u32();
        const out: Record<string, Value> = {};
        for (let i = 0; i < n; i++) {
          const k = this.string();
          const v = this.value();
          // A key named `__proto__` must stay a key, not replace the prototype.
          if (k === '__proto__') {
            Object.defineProperty(out, k, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          } else {
            out[k] = v;
          }
        }
        return out;
      }
      case undefined:
      default:
        throw new RangeError(`bad value tag ${String(tag)} at ${this.pos - 1}`);
    }
  }
}

// Canonical ABI helpers for AssemblyScript guests (aloft:platform@0.1.0).
// AssemblyScript source: compiled by asc, not by tsc. Memory passed in by the host is allocated
// with cabi_realloc (raw heap blocks) and freed as soon as it has been copied into GC objects.

/** The canonical ABI allocator every component exports; the host allocates arguments with it. */
export function cabi_realloc(oldPtr: usize, _oldSize: usize, align: usize, newSize: usize): usize {
  if (newSize == 0) return align;
  if (oldPtr == 0) return heap.alloc(newSize);
  return heap.realloc(oldPtr, newSize);
}

/** Blocks handed to the host as an export's result; freed by the export's cabi_post function. */
const pendingFrees = new Array<usize>();

/** Frees what the last export's result lowering allocated. */
export function freePending(): void {
  for (let i = 0; i < pendingFrees.length; i++) heap.free(unchecked(pendingFrees[i]));
  pendingFrees.length = 0;
}

/** Allocates `size` bytes that live until the export's cabi_post call. */
export function allocResult(size: usize): usize {
  const ptr = heap.alloc(size > 0 ? size : 1);
  pendingFrees.push(ptr);
  return ptr;
}

/** Frees a block the host allocated with cabi_realloc (ptr 0 or len 0 is a no-op). */
export function freeHost(ptr: usize, len: usize): void {
  if (ptr != 0 && len != 0) heap.free(ptr);
}

/** Lifts a UTF-8 string the host passed in, freeing its block. */
export function liftString(ptr: usize, len: usize): string {
  const s = String.UTF8.decodeUnsafe(ptr, len);
  freeHost(ptr, len);
  return s;
}

/** Lifts a list<u8> the host passed in, freeing its block. */
export function liftBytes(ptr: usize, len: usize): Uint8Array {
  const out = new Uint8Array(<i32>len);
  if (len > 0) memory.copy(out.dataStart, ptr, len);
  freeHost(ptr, len);
  return out;
}

/** Lifts a list<tuple<string,string>>, freeing every block. */
export function liftPairs(ptr: usize, len: usize): Array<string[]> {
  const out = new Array<string[]>();
  for (let i: usize = 0; i < len; i++) {
    const e = ptr + i * 16;
    const k = liftString(load<u32>(e, 0), load<u32>(e, 4));
    const v = liftString(load<u32>(e, 8), load<u32>(e, 12));
    out.push([k, v]);
  }
  freeHost(ptr, len * 16);
  return out;
}

/** Writes a string into result memory: stores (ptr, len) at `at`. */
export function lowerResultString(at: usize, s: string): void {
  const buf = String.UTF8.encode(s);
  const n = <usize>buf.byteLength;
  const p = allocResult(n);
  memory.copy(p, changetype<usize>(buf), n);
  store<u32>(at, <u32>p, 0);
  store<u32>(at, <u32>n, 4);
}

/** Writes bytes into result memory: stores (ptr, len) at `at`. */
export function lowerResultBytes(at: usize, b: Uint8Array): void {
  const n = <usize>b.length;
  const p = allocResult(n);
  if (n > 0) memory.copy(p, b.dataStart, n);
  store<u32>(at, <u32>p, 0);
  store<u32>(at, <u32>n, 4);
}

/** Writes a list<tuple<string,string>> into result memory at `at`. */
export function lowerResultPairs(at: usize, pairs: Array<string[]>): void {
  const n = <usize>pairs.length;
  const p = allocResult(n * 16);
  for (let i: usize = 0; i < n; i++) {
    const pair = pairs[<i32>i];
    lowerResultString(p + i * 16, pair[0]);
    lowerResultString(p + i * 16 + 8, pair[1]);
  }
  store<u32>(at, <u32>p, 0);
  store<u32>(at, <u32>n, 4);
}

/** A scratch area for import results (the host writes the result here; the largest is 32 bytes). */
export const retArea: usize = heap.alloc(64);

/** UTF-8 bytes of a string for passing as an import argument (kept alive by the caller). */
export function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/** Packs a list<tuple<string,string>> argument; returns the element block (GC-owned) */
export function pairsArg(pairs: Array<string[]>, keep: Array<ArrayBuffer>): ArrayBuffer {
  const block = new ArrayBuffer(pairs.length * 16);
  const base = changetype<usize>(block);
  for (let i = 0; i < pairs.length; i++) {
    const k = utf8(pairs[i][0]);
    const v = utf8(pairs[i][1]);
    keep.push(k);
    keep.push(v);
    store<u32>(base + <usize>i * 16, <u32>changetype<usize>(k), 0);
    store<u32>(base + <usize>i * 16, <u32>k.byteLength, 4);
    store<u32>(base + <usize>i * 16, <u32>changetype<usize>(v), 8);
    store<u32>(base + <usize>i * 16, <u32>v.byteLength, 12);
  }
  return block;
}

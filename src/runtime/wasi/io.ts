/**
 * `wasi:io` 0.2 for guests in an instance worker: pollables, in-memory input and output streams,
 * and the error resource. Synchronous and portable (no Node APIs): a request body is already in
 * memory, a response body is collected in memory, and a pollable waits on a clock at most.
 */

/** Thrown into the bindings to return `err(payload)` from a WIT function (jco reads `payload`). */
export class WasiResult extends Error {
  readonly payload: unknown;
  constructor(payload: unknown) {
    super(`wasi error result ${JSON.stringify(payload) ?? ''}`);
    this.payload = payload;
  }
}

/** The error for `err(payload)`. */
export function wasiErr(payload: unknown): WasiResult {
  return new WasiResult(payload);
}

/** `stream-error::closed`. */
export const CLOSED = wasiErr({ tag: 'closed' });

/** `wasi:io/error.error`. */
export class IoError {
  readonly #message: string;
  constructor(message: string) {
    this.#message = message;
  }
  toDebugString(): string {
    return this.#message;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** `wasi:io/poll.pollable`: ready at once, or at a monotonic time (ms, `performance.now()`). */
export class Pollable {
  readonly #readyAt: number;
  constructor(readyAt = 0) {
    this.#readyAt = readyAt;
  }
  ready(): boolean {
    return performance.now() >= this.#readyAt;
  }
  block(): void {
    const wait = this.#readyAt - performance.now();
    if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
  }
  get readyAt(): number {
    return this.#readyAt;
  }
}

/** `wasi:io/poll.poll`: blocks until one is ready; the indices of every ready one. */
export function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new Error('poll of an empty list');
  const ready = (): number[] => list.flatMap((p, i) => (p.ready() ? [i] : []));
  let out = ready();
  if (out.length === 0) {
    const first = list.reduce((a, b) => (a.readyAt <= b.readyAt ? a : b));
    first.block();
    out = ready();
  }
  return new Uint32Array(out);
}

const chunk = (n: bigint): number => Number(n > 1_048_576n ? 1_048_576n : n);

/** `wasi:io/streams.input-stream` over bytes already in memory. */
export class InputStream {
  #data: Uint8Array;
  #at = 0;
  constructor(data: Uint8Array = new Uint8Array(0)) {
    this.#data = data;
  }
  read(len: bigint): Uint8Array {
    if (this.#at >= this.#data.length) throw CLOSED;
    const out = this.#data.slice(this.#at, this.#at + chunk(len));
    this.#at += out.length;
    return out;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** `wasi:io/streams.output-stream` that collects what is written (at most `limit` bytes). */
export class OutputStream {
  readonly #chunks: Uint8Array[] = [];
  #size = 0;
  readonly #limit: number;
  readonly #onWrite: ((bytes: Uint8Array) => void) | undefined;
  constructor(limit: number, onWrite?: (bytes: Uint8Array) => void) {
    this.#limit = limit;
    this.#onWrite = onWrite;
  }
  /** Everything written so far, in one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
  checkWrite(): bigint {
    return BigInt(Math.max(0, Math.min(this.#limit - this.#size, 1_048_576)));
  }
  write(contents: Uint8Array): void {
    if (this.#size + contents.length > this.#limit) {
      throw wasiErr({
        tag: 'last-operation-failed',
        val: new IoError(`output over the ${this.#limit}-byte limit`),
      });
    }
    const copy = contents.slice();
    this.#size += copy.length;
    if (this.#onWrite) this.#onWrite(copy);
    else this.#chunks.push(copy);
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
  }
  flush(): void {}
  blockingFlush(): void {}
  subscribe(): Pollable {
    return new Pollable();
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(src: InputStream, len: bigint): bigint {
    const bytes = src.read(len);
    this.write(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }
}

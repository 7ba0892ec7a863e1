/**
 * The request channel between the main thread and one instance worker: a control word and a
 * growable data buffer, both SharedArrayBuffers. The worker blocks on `Atomics.wait`; the main
 * thread never blocks (`Atomics.waitAsync`). One exchange at a time per channel.
 *
 *   main: REQUEST ──▶ worker runs the guest
 *   worker: HOSTCALL ──▶ main does async I/O ──▶ HOSTREPLY ──▶ worker continues (repeat)
 *   worker: RESPONSE ──▶ main reads it, sets IDLE (no wake-up needed)
 *
 * Portable (no Node APIs): browsers provide the same primitives in cross-origin isolated pages.
 */

export const IDLE = 0;
export const REQUEST = 1;
export const HOSTCALL = 2;
export const HOSTREPLY = 3;
export const RESPONSE = 4;

const STATE = 0;
const LENGTH = 1;

/** The shared memory of one channel; posted to the worker at start. */
export interface ChannelBuffers {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** Allocates a channel whose messages may grow to `maxBytes`. */
export function createChannelBuffers(maxBytes: number, initialBytes = 64 * 1024): ChannelBuffers {
  const Growable = SharedArrayBuffer as unknown as new (
    length: number,
    options: { maxByteLength: number },
  ) => SharedArrayBuffer;
  return {
    control: new SharedArrayBuffer(16),
    data: new Growable(Math.min(initialBytes, maxBytes), { maxByteLength: maxBytes }),
  };
}

/** Thrown when a message does not fit in the channel's maximum size. */
export class MessageTooLarge extends RangeError {}

function write(buffers: ChannelBuffers, control: Int32Array, bytes: Uint8Array): void {
  const data = buffers.data as SharedArrayBuffer & { grow(n: number): void; maxByteLength: number };
  if (bytes.length > data.byteLength) {
    if (bytes.length > data.maxByteLength) {
      throw new MessageTooLarge(
        `message of ${bytes.length} bytes exceeds the ${data.maxByteLength}-byte channel limit`,
      );
    }
    data.grow(Math.min(data.maxByteLength, Math.max(bytes.length, data.byteLength * 2)));
  }
  new Uint8Array(data, 0, bytes.length).set(bytes);
  Atomics.store(control, LENGTH, bytes.length);
}

function read(buffers: ChannelBuffers, control: Int32Array): Uint8Array {
  const n = Atomics.load(control, LENGTH);
  return new Uint8Array(buffers.data, 0, n).slice();
}

/** The main thread's end: sends a request and serves the worker's host calls until the response. */
export class HostEnd {
  readonly #buffers: ChannelBuffers;
  readonly #control: Int32Array;
  #closed = false;

  constructor(buffers: ChannelBuffers) {
    this.#buffers = buffers;
    this.#control = new Int32Array(buffers.control);
  }

  /**
   * Runs one exchange. `onHostCall` answers each host call; resolves with the response bytes,
   * or `undefined` when the channel was closed meanwhile (the worker was terminated).
   */
  async exchange(
    request: Uint8Array,
    onHostCall: (call: Uint8Array) => Promise<Uint8Array>,
  ): Promise<Uint8Array | undefined> {
    const control = this.#control;
    write(this.#buffers, control, request);
    Atomics.store(control, STATE, REQUEST);
    Atomics.notify(control, STATE);
    let waitingOn = REQUEST;
    for (;;) {
      const w = Atomics.waitAsync(control, STATE, waitingOn);
      if (w.async) await w.value;
      if (this.#closed) return undefined;
      const state = Atomics.load(control, STATE);
      if (state === RESPONSE) {
        const response = read(this.#buffers, control);
        Atomics.store(control, STATE, IDLE);
        return response;
      }
      if (state === HOSTCALL) {
        const reply = await onHostCall(read(this.#buffers, control));
        if (this.#closed) return undefined;
        write(this.#buffers, control, reply);
        Atomics.store(control, STATE, HOSTREPLY);
        Atomics.notify(control, STATE);
        waitingOn = HOSTREPLY;
      }
    }
  }

  /** Ends any exchange in progress (it resolves `undefined`); used when the worker is terminated. */
  close(): void {
    this.#closed = true;
    Atomics.notify(this.#control, STATE);
  }
}

/** The worker's end: blocks for requests and for host-call replies. */
export class GuestEnd {
  readonly #buffers: ChannelBuffers;
  readonly #control: Int32Array;

  constructor(buffers: ChannelBuffers) {
    this.#buffers = buffers;
    this.#control = new Int32Array(buffers.control);
  }

  /** Blocks until the main thread posts a request; returns its bytes. */
  nextRequest(): Uint8Array {
    const control = this.#control;
    for (;;) {
      const state = Atomics.load(control, STATE);
      if (state === REQUEST) return read(this.#buffers, control);
      Atomics.wait(control, STATE, state);
    }
  }

  /** Posts the response to the current request. */
  respond(bytes: Uint8Array): void {
    write(this.#buffers, this.#control, bytes);
    Atomics.store(this.#control, STATE, RESPONSE);
    Atomics.notify(this.#control, STATE);
  }

  /** Posts a host call and blocks until the main thread replies; returns the reply bytes. */
  hostCall(bytes: Uint8Array): Uint8Array {
    const control = this.#control;
    write(this.#buffers, control, bytes);
    Atomics.store(control, STATE, HOSTCALL);
    Atomics.notify(control, STATE);
    for (;;) {
      Atomics.wait(control, STATE, HOSTCALL);
      if (Atomics.load(control, STATE) === HOSTREPLY) return read(this.#buffers, control);
    }
  }
}

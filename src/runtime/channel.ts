/**
 * The request channel between the main thread and one instance worker, in shared memory.
 * A ring of `depth` slots lets the main thread post the next requests while the worker runs
 * the current one, so a busy worker goes from one request to the next without sleeping and the
 * main thread collects several responses per wake-up. The worker blocks on `Atomics.wait`; the
 * main thread never blocks (`Atomics.waitAsync`).
 *
 *   main: write slot[seq % depth], REQ_SEQ = seq + 1, notify      → worker runs it
 *   worker: STARTED = seq + 1 … (host calls) … write the slot, RESP_SEQ = seq + 1, EVENTS++
 *   worker host call: write host buffer, HOST = CALL, EVENTS++, wait while HOST != REPLY
 *   main: on EVENTS, answer a pending host call, then read every finished slot in order
 *   main: cancel(seq) takes back a posted request the worker has not started (slot state
 *         POSTED → CANCELLED, compare-and-swap against the worker's POSTED → STARTED), so that
 *         it can run elsewhere; the worker answers a cancelled slot with nothing and moves on
 *
 * Portable (no Node APIs): browsers offer the same primitives in cross-origin isolated pages.
 */

const REQ_SEQ = 0;
const RESP_SEQ = 1;
const EVENTS = 2;
const HOST = 3;
const STARTED = 4;
const HOST_LEN = 5;
const SLOT_LEN = 8;

/** Slot states, after the slot lengths: who got to a posted request first. */
const SLOT_POSTED = 1;
const SLOT_STARTED = 2;
const SLOT_CANCELLED = 3;
/** Where the state of ring slot `slot` is kept in the control array. */
const slotStateAt = (depth: number, slot: number): number => SLOT_LEN + depth + slot;

const HOST_IDLE = 0;
const HOST_CALL = 1;
const HOST_REPLY = 2;

/** The shared memory of one channel; posted to the worker at start. */
export interface ChannelBuffers {
  control: SharedArrayBuffer;
  /** One growable buffer per ring slot: the request, then its response. */
  slots: SharedArrayBuffer[];
  /** The current host call, then its reply. */
  host: SharedArrayBuffer;
}

type Growable = SharedArrayBuffer & { grow(n: number): void; readonly maxByteLength: number };

function growable(maxBytes: number, initialBytes: number): SharedArrayBuffer {
  const Ctor = SharedArrayBuffer as unknown as new (
    n: number,
    o: { maxByteLength: number },
  ) => SharedArrayBuffer;
  return new Ctor(Math.min(initialBytes, maxBytes), { maxByteLength: maxBytes });
}

/** Allocates a channel with `depth` ring slots whose messages may grow to `maxBytes`. */
export function createChannelBuffers(
  depth: number,
  maxBytes: number,
  initialBytes = 16 * 1024,
): ChannelBuffers {
  return {
    control: new SharedArrayBuffer((SLOT_LEN + 2 * depth) * 4),
    slots: Array.from({ length: depth }, () => growable(maxBytes, initialBytes)),
    host: growable(maxBytes, initialBytes),
  };
}

const EMPTY = new Uint8Array(0);

/** Thrown when a message does not fit in the channel's maximum size. */
export class MessageTooLarge extends RangeError {}

function write(
  buffer: SharedArrayBuffer,
  control: Int32Array,
  lengthAt: number,
  bytes: Uint8Array,
): void {
  const data = buffer as Growable;
  if (bytes.length > data.byteLength) {
    if (bytes.length > data.maxByteLength) {
      throw new MessageTooLarge(
        `message of ${bytes.length} bytes exceeds the ${data.maxByteLength}-byte limit`,
      );
    }
    data.grow(Math.min(data.maxByteLength, Math.max(bytes.length, data.byteLength * 2)));
  }
  new Uint8Array(data, 0, bytes.length).set(bytes);
  Atomics.store(control, lengthAt, bytes.length);
}

/** Copies a message out of shared memory (text decoders refuse shared views in browsers). */
function read(buffer: SharedArrayBuffer, control: Int32Array, lengthAt: number): Uint8Array {
  return new Uint8Array(buffer, 0, Atomics.load(control, lengthAt)).slice();
}

/** What the main thread's end reports while serving a worker. */
export interface HostEndHandlers {
  /** Answers a host call made while request `seq` runs. */
  onHostCall(seq: number, call: Uint8Array): Promise<Uint8Array>;
  /** Delivers the response to request `seq` (in posting order). */
  onResponse(seq: number, response: Uint8Array): void;
}

/** The main thread's end: posts requests, answers host calls, collects responses. */
export class HostEnd {
  readonly depth: number;
  readonly #buffers: ChannelBuffers;
  readonly #control: Int32Array;
  readonly #handlers: HostEndHandlers;
  #posted = 0;
  #consumed = 0;
  #serving = false;
  #inHostCall = false;
  #closed = false;

  constructor(buffers: ChannelBuffers, handlers: HostEndHandlers) {
    this.#buffers = buffers;
    this.#control = new Int32Array(buffers.control);
    this.depth = buffers.slots.length;
    this.#handlers = handlers;
  }

  /** Requests posted and not yet answered. */
  get outstanding(): number {
    return this.#posted - this.#consumed;
  }

  /** True while the worker waits for the host to answer a capability call. */
  get inHostCall(): boolean {
    return this.#inHostCall;
  }

  /** The sequence number the next `post` will get. */
  get nextSeq(): number {
    return this.#posted;
  }

  /** Requests the worker has started (so `seq < started` began running). */
  get started(): number {
    return Atomics.load(this.#control, STARTED);
  }

  /** Posts a request; returns its sequence number. Requires `outstanding < depth`. */
  post(request: Uint8Array): number {
    if (this.outstanding >= this.depth) throw new RangeError('channel ring is full');
    const seq = this.#posted;
    const slot = seq % this.depth;
    write(this.#buffers.slots[slot] as SharedArrayBuffer, this.#control, SLOT_LEN + slot, request);
    Atomics.store(this.#control, slotStateAt(this.depth, slot), SLOT_POSTED);
    this.#posted = seq + 1;
    Atomics.store(this.#control, REQ_SEQ, this.#posted);
    Atomics.notify(this.#control, REQ_SEQ);
    void this.#serve();
    return seq;
  }

  /**
   * Takes back request `seq` if the worker has not started it: true means it never runs (its
   * slot is answered with an empty response, which the handlers should ignore), false that it
   * has started or already finished.
   */
  cancel(seq: number): boolean {
    if (seq < this.#consumed || seq >= this.#posted) return false;
    const at = slotStateAt(this.depth, seq % this.depth);
    return Atomics.compareExchange(this.#control, at, SLOT_POSTED, SLOT_CANCELLED) === SLOT_POSTED;
  }

  /**
   * Delivers every response the worker has finished and the host has not read yet, at once
   * (e.g. before the host decides that an invocation is still running and terminates it).
   */
  collect(): void {
    const control = this.#control;
    const done = Atomics.load(control, RESP_SEQ);
    while (this.#consumed < done && !this.#closed) {
      const seq = this.#consumed;
      const slot = seq % this.depth;
      const response = read(
        this.#buffers.slots[slot] as SharedArrayBuffer,
        control,
        SLOT_LEN + slot,
      );
      this.#consumed = seq + 1;
      this.#handlers.onResponse(seq, response);
    }
  }

  /** Stops serving (a terminated worker answers nothing more). */
  close(): void {
    this.#closed = true;
    Atomics.notify(this.#control, EVENTS);
  }

  async #serve(): Promise<void> {
    if (this.#serving) return;
    this.#serving = true;
    const control = this.#control;
    try {
      while (!this.#closed && this.outstanding > 0) {
        const events = Atomics.load(control, EVENTS);
        // Responses first: a request answered before the worker went on to a host call must be
        // delivered now, not once that (possibly slow) call has been answered.
        this.collect();
        if (!this.#closed && Atomics.load(control, HOST) === HOST_CALL) {
          const call = read(this.#buffers.host, control, HOST_LEN);
          this.#inHostCall = true;
          let reply: Uint8Array;
          try {
            reply = await this.#handlers.onHostCall(this.started - 1, call);
          } finally {
            this.#inHostCall = false;
          }
          if (this.#closed) return;
          write(this.#buffers.host, control, HOST_LEN, reply);
          Atomics.store(control, HOST, HOST_REPLY);
          Atomics.notify(control, HOST);
          continue;
        }
        if (this.outstanding === 0 || Atomics.load(control, EVENTS) !== events) continue;
        const w = Atomics.waitAsync(control, EVENTS, events);
        if (w.async) await w.value;
      }
    } finally {
      this.#serving = false;
    }
  }
}

/** The worker's end: blocks for requests and for host-call replies. */
export class GuestEnd {
  readonly #buffers: ChannelBuffers;
  readonly #control: Int32Array;
  readonly #depth: number;
  #next = 0;

  constructor(buffers: ChannelBuffers) {
    this.#buffers = buffers;
    this.#control = new Int32Array(buffers.control);
    this.#depth = buffers.slots.length;
  }

  /** The largest message this channel carries, in bytes. */
  get maxMessageBytes(): number {
    return (this.#buffers.host as Growable).maxByteLength;
  }

  /** Blocks until the next request is posted; marks it started and returns its bytes. */
  nextRequest(): Uint8Array {
    const control = this.#control;
    for (;;) {
      while (Atomics.load(control, REQ_SEQ) <= this.#next) {
        Atomics.wait(control, REQ_SEQ, this.#next);
      }
      const slot = this.#next % this.#depth;
      const at = slotStateAt(this.#depth, slot);
      const won = Atomics.compareExchange(control, at, SLOT_POSTED, SLOT_STARTED);
      Atomics.store(control, STARTED, this.#next + 1);
      if (won === SLOT_POSTED) {
        return read(this.#buffers.slots[slot] as SharedArrayBuffer, control, SLOT_LEN + slot);
      }
      // The host took it back to run elsewhere: answer nothing, go on with the next one.
      this.respond(EMPTY);
    }
  }

  /** Posts the response to the current request. */
  respond(bytes: Uint8Array): void {
    const control = this.#control;
    const slot = this.#next % this.#depth;
    write(this.#buffers.slots[slot] as SharedArrayBuffer, control, SLOT_LEN + slot, bytes);
    this.#next++;
    Atomics.store(control, RESP_SEQ, this.#next);
    Atomics.add(control, EVENTS, 1);
    Atomics.notify(control, EVENTS);
  }

  /** Posts a host call and blocks until the main thread replies; returns the reply bytes. */
  hostCall(bytes: Uint8Array): Uint8Array {
    const control = this.#control;
    write(this.#buffers.host, control, HOST_LEN, bytes);
    Atomics.store(control, HOST, HOST_CALL);
    Atomics.add(control, EVENTS, 1);
    Atomics.notify(control, EVENTS);
    while (Atomics.load(control, HOST) !== HOST_REPLY) Atomics.wait(control, HOST, HOST_CALL);
    const reply = read(this.#buffers.host, control, HOST_LEN);
    Atomics.store(control, HOST, HOST_IDLE);
    return reply;
  }
}

// The Aloft guest SDK for AssemblyScript: types and capabilities of aloft:platform@0.1.0
// (keyvalue, messaging, logging, config, blobstore, outgoing-http, lattice).
// A component exports any of these functions from its entry file (the build generates the ABI glue):
//   export function handleHttp(req: HttpRequest): HttpResponse
//   export function handleMessage(msg: Message): Outcome<bool>      (value ignored)
//   export function call(name: string, payload: Uint8Array): Outcome<Uint8Array>
import { freeHost, liftBytes, liftPairs, liftString, pairsArg, retArea, utf8 } from "./abi";

export class HttpRequest {
  constructor(
    public method: string,
    public path: string,
    public headers: Array<string[]>,
    public body: Uint8Array,
  ) {}
}

export class HttpResponse {
  constructor(
    public status: u16,
    public headers: Array<string[]>,
    public body: Uint8Array,
  ) {}
  /** A response with a UTF-8 text body. */
  static text(status: u16, body: string): HttpResponse {
    return new HttpResponse(status, [["content-type", "text/plain; charset=utf-8"]], bytes(body));
  }
}

export class Message {
  constructor(
    public subject: string,
    public replyTo: string | null,
    public body: Uint8Array,
  ) {}
}

/** The `error` record of every fallible call. */
export class Failure {
  constructor(public code: string, public message: string) {}
}

/** A result<T, error>: either `value` (ok) or `error`. */
export class Outcome<T> {
  constructor(public value: T, public error: Failure | null) {}
  get ok(): bool {
    return this.error === null;
  }
  static success<T>(value: T): Outcome<T> {
    return new Outcome<T>(value, null);
  }
  static failure<T>(fallback: T, code: string, message: string): Outcome<T> {
    return new Outcome<T>(fallback, new Failure(code, message));
  }
}

/** UTF-8 bytes of a string. */
export function bytes(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/** A string from UTF-8 bytes. */
export function text(b: Uint8Array): string {
  return String.UTF8.decodeUnsafe(b.dataStart, <usize>b.length);
}

const EMPTY = new Uint8Array(0);

function readFailure(at: usize): Failure {
  return new Failure(
    liftString(load<u32>(at, 0), load<u32>(at, 4)),
    liftString(load<u32>(at, 8), load<u32>(at, 12)),
  );
}

// ---- logging (wasi:logging) ----
export enum Level { Trace, Debug, Info, Warn, Error, Critical }

@external("aloft:platform/logging@0.1.0", "log")
declare function _log(level: i32, cp: usize, cl: usize, mp: usize, ml: usize): void;

/** Writes one log line through the host's logger. */
export function log(level: Level, context: string, message: string): void {
  const c = utf8(context);
  const m = utf8(message);
  _log(level, changetype<usize>(c), c.byteLength, changetype<usize>(m), m.byteLength);
}

// ---- config (wasi:config) ----
@external("aloft:platform/config@0.1.0", "get")
declare function _configGet(kp: usize, kl: usize, ret: usize): void;
@external("aloft:platform/config@0.1.0", "get-all")
declare function _configGetAll(ret: usize): void;

/** A configuration value, or null when unset. */
export function configGet(key: string): Outcome<string | null> {
  const k = utf8(key);
  _configGet(changetype<usize>(k), k.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<string | null>(null, readFailure(retArea + 4));
  if (load<u8>(retArea, 4) == 0) return Outcome.success<string | null>(null);
  return Outcome.success<string | null>(liftString(load<u32>(retArea, 8), load<u32>(retArea, 12)));
}

/** Every configuration pair. */
export function configGetAll(): Outcome<Array<string[]>> {
  _configGetAll(retArea);
  if (load<u8>(retArea) != 0) return new Outcome<Array<string[]>>([], readFailure(retArea + 4));
  return Outcome.success<Array<string[]>>(liftPairs(load<u32>(retArea, 4), load<u32>(retArea, 8)));
}

// ---- keyvalue (wasi:keyvalue) ----
@external("aloft:platform/keyvalue@0.1.0", "get")
declare function _kvGet(bp: usize, bl: usize, kp: usize, kl: usize, ret: usize): void;
@external("aloft:platform/keyvalue@0.1.0", "set")
declare function _kvSet(bp: usize, bl: usize, kp: usize, kl: usize, vp: usize, vl: usize, ret: usize): void;
@external("aloft:platform/keyvalue@0.1.0", "delete")
declare function _kvDelete(bp: usize, bl: usize, kp: usize, kl: usize, ret: usize): void;
@external("aloft:platform/keyvalue@0.1.0", "exists")
declare function _kvExists(bp: usize, bl: usize, kp: usize, kl: usize, ret: usize): void;
@external("aloft:platform/keyvalue@0.1.0", "increment")
declare function _kvIncrement(bp: usize, bl: usize, kp: usize, kl: usize, delta: i64, ret: usize): void;

/** The value at `key`, or null when absent. */
export function kvGet(bucket: string, key: string): Outcome<Uint8Array | null> {
  const b = utf8(bucket);
  const k = utf8(key);
  _kvGet(changetype<usize>(b), b.byteLength, changetype<usize>(k), k.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<Uint8Array | null>(null, readFailure(retArea + 4));
  if (load<u8>(retArea, 4) == 0) return Outcome.success<Uint8Array | null>(null);
  return Outcome.success<Uint8Array | null>(liftBytes(load<u32>(retArea, 8), load<u32>(retArea, 12)));
}

export function kvSet(bucket: string, key: string, value: Uint8Array): Outcome<bool> {
  const b = utf8(bucket);
  const k = utf8(key);
  _kvSet(changetype<usize>(b), b.byteLength, changetype<usize>(k), k.byteLength, value.dataStart, value.length, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<bool>(false, readFailure(retArea + 4));
  return Outcome.success<bool>(true);
}

export function kvDelete(bucket: string, key: string): Outcome<bool> {
  const b = utf8(bucket);
  const k = utf8(key);
  _kvDelete(changetype<usize>(b), b.byteLength, changetype<usize>(k), k.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<bool>(false, readFailure(retArea + 4));
  return Outcome.success<bool>(true);
}

export function kvExists(bucket: string, key: string): Outcome<bool> {
  const b = utf8(bucket);
  const k = utf8(key);
  _kvExists(changetype<usize>(b), b.byteLength, changetype<usize>(k), k.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<bool>(false, readFailure(retArea + 4));
  return Outcome.success<bool>(load<u8>(retArea, 4) != 0);
}

/** Adds `delta` to the number at `key` and returns the new value. */
export function kvIncrement(bucket: string, key: string, delta: i64): Outcome<i64> {
  const b = utf8(bucket);
  const k = utf8(key);
  _kvIncrement(changetype<usize>(b), b.byteLength, changetype<usize>(k), k.byteLength, delta, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<i64>(0, readFailure(retArea + 8));
  return Outcome.success<i64>(load<i64>(retArea, 8));
}

@external("aloft:platform/keyvalue@0.1.0", "list-keys")
declare function _kvListKeys(bp: usize, bl: usize, ct: i32, cp: usize, cl: usize, ret: usize): void;
@external("aloft:platform/keyvalue@0.1.0", "compare-and-swap")
declare function _kvCas(bp: usize, bl: usize, kp: usize, kl: usize, et: i32, ep: usize, el: usize, vp: usize, vl: usize, ret: usize): void;

/** One page of keys; `cursor` is set when more follow. */
export class KeyPage {
  constructor(public keys: string[], public cursor: string | null) {}
}

/** Keys of a bucket, a page at a time (pass the previous page's cursor). */
export function kvListKeys(bucket: string, cursor: string | null = null): Outcome<KeyPage | null> {
  const b = utf8(bucket);
  const c = cursor === null ? new ArrayBuffer(0) : utf8(cursor);
  _kvListKeys(changetype<usize>(b), b.byteLength, cursor === null ? 0 : 1, changetype<usize>(c), c.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<KeyPage | null>(null, readFailure(retArea + 4));
  const ptr = load<u32>(retArea, 4);
  const len = load<u32>(retArea, 8);
  const keys = new Array<string>();
  for (let i: u32 = 0; i < len; i++) keys.push(liftString(load<u32>(ptr + i * 8), load<u32>(ptr + i * 8, 4)));
  freeHost(ptr, len * 8);
  const next: string | null = load<u8>(retArea, 12) == 0 ? null : liftString(load<u32>(retArea, 16), load<u32>(retArea, 20));
  return Outcome.success<KeyPage | null>(new KeyPage(keys, next));
}

/** Writes `value` only if the current value equals `expected` (null: the key is absent). */
export function kvCompareAndSwap(bucket: string, key: string, expected: Uint8Array | null, value: Uint8Array): Outcome<bool> {
  const b = utf8(bucket);
  const k = utf8(key);
  const e = expected === null ? new Uint8Array(0) : expected;
  _kvCas(changetype<usize>(b), b.byteLength, changetype<usize>(k), k.byteLength, expected === null ? 0 : 1, e.dataStart, e.length, value.dataStart, value.length, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<bool>(false, readFailure(retArea + 4));
  return Outcome.success<bool>(load<u8>(retArea, 4) != 0);
}

// ---- blobstore (wasi:blobstore, whole objects) ----
@external("aloft:platform/blobstore@0.1.0", "put")
declare function _blobPut(cp: usize, cl: usize, np: usize, nl: usize, dp: usize, dl: usize, ret: usize): void;
@external("aloft:platform/blobstore@0.1.0", "get")
declare function _blobGet(cp: usize, cl: usize, np: usize, nl: usize, ret: usize): void;
@external("aloft:platform/blobstore@0.1.0", "info")
declare function _blobInfo(cp: usize, cl: usize, np: usize, nl: usize, ret: usize): void;
@external("aloft:platform/blobstore@0.1.0", "exists")
declare function _blobExists(cp: usize, cl: usize, np: usize, nl: usize, ret: usize): void;
@external("aloft:platform/blobstore@0.1.0", "delete")
declare function _blobDelete(cp: usize, cl: usize, np: usize, nl: usize, ret: usize): void;
@external("aloft:platform/blobstore@0.1.0", "list")
declare function _blobList(cp: usize, cl: usize, ct: i32, curp: usize, curl: usize, ret: usize): void;

/** What is known about a stored object. */
export class ObjectInfo {
  constructor(public name: string, public size: u64, public digest: string, public modified: string) {}
}

/** One page of object names; `cursor` is set when more follow. */
export class ObjectPage {
  constructor(public names: string[], public cursor: string | null) {}
}

/** Creates or replaces the object `name` in `container`. */
export function blobPut(container: string, name: string, data: Uint8Array): Outcome<bool> {
  const c = utf8(container);
  const n = utf8(name);
  _blobPut(changetype<usize>(c), c.byteLength, changetype<usize>(n), n.byteLength, data.dataStart, data.length, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<bool>(false, readFailure(retArea + 4));
  return Outcome.success<bool>(true);
}

/** The object's bytes, or null when absent. */
export function blobGet(container: string, name: string): Outcome<Uint8Array | null> {
  const c = utf8(container);
  const n = utf8(name);
  _blobGet(changetype<usize>(c), c.byteLength, changetype<usize>(n), n.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<Uint8Array | null>(null, readFailure(retArea + 4));
  if (load<u8>(retArea, 4) == 0) return Outcome.success<Uint8Array | null>(null);
  return Outcome.success<Uint8Array | null>(liftBytes(load<u32>(retArea, 8), load<u32>(retArea, 12)));
}

/** Size, digest and modification time of the object, or null when absent. */
export function blobInfo(container: string, name: string): Outcome<ObjectInfo | null> {
  const c = utf8(container);
  const n = utf8(name);
  _blobInfo(changetype<usize>(c), c.byteLength, changetype<usize>(n), n.byteLength, retArea);
  // result<option<object-info>, error>: the payload is 8-aligned (object-info holds a u64).
  if (load<u8>(retArea) != 0) return new Outcome<ObjectInfo | null>(null, readFailure(retArea + 8));
  if (load<u8>(retArea, 8) == 0) return Outcome.success<ObjectInfo | null>(null);
  const r = retArea + 16;
  return Outcome.success<ObjectInfo | null>(new ObjectInfo(
    liftString(load<u32>(r, 0), load<u32>(r, 4)),
    load<u64>(r, 8),
    liftString(load<u32>(r, 16), load<u32>(r, 20)),
    liftString(load<u32>(r, 24), load<u32>(r, 28)),
  ));
}

export function blobExists(container: string, name: string): Outcome<bool> {
  const c = utf8(container);
  const n = utf8(name);
  _blobExists(changetype<usize>(c), c.byteLength, changetype<usize>(n), n.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<bool>(false, readFailure(retArea + 4));
  return Outcome.success<bool>(load<u8>(retArea, 4) != 0);
}

/** Removes the object (removing an absent one succeeds). */
export function blobDelete(container: string, name: string): Outcome<bool> {
  const c = utf8(container);
  const n = utf8(name);
  _blobDelete(changetype<usize>(c), c.byteLength, changetype<usize>(n), n.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<bool>(false, readFailure(retArea + 4));
  return Outcome.success<bool>(true);
}

/** Object names of a container, a page at a time (pass the previous page's cursor). */
export function blobList(container: string, cursor: string | null = null): Outcome<ObjectPage | null> {
  const c = utf8(container);
  const cur = cursor === null ? new ArrayBuffer(0) : utf8(cursor);
  _blobList(changetype<usize>(c), c.byteLength, cursor === null ? 0 : 1, changetype<usize>(cur), cur.byteLength, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<ObjectPage | null>(null, readFailure(retArea + 4));
  const ptr = load<u32>(retArea, 4);
  const len = load<u32>(retArea, 8);
  const names = new Array<string>();
  for (let i: u32 = 0; i < len; i++) names.push(liftString(load<u32>(ptr + i * 8), load<u32>(ptr + i * 8, 4)));
  freeHost(ptr, len * 8);
  const next: string | null = load<u8>(retArea, 12) == 0 ? null : liftString(load<u32>(retArea, 16), load<u32>(retArea, 20));
  return Outcome.success<ObjectPage | null>(new ObjectPage(names, next));
}

// ---- messaging (wasmCloud messaging) ----
@external("aloft:platform/messaging@0.1.0", "publish")
declare function _publish(sp: usize, sl: usize, rt: i32, rp: usize, rl: usize, bp: usize, bl: usize, ret: usize): void;

/** Publishes a message on the lattice. */
export function publish(subject: string, body: Uint8Array, replyTo: string | null = null): Outcome<bool> {
  const s = utf8(subject);
  const r = replyTo === null ? new ArrayBuffer(0) : utf8(replyTo);
  _publish(changetype<usize>(s), s.byteLength, replyTo === null ? 0 : 1, changetype<usize>(r), r.byteLength, body.dataStart, body.length, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<bool>(false, readFailure(retArea + 4));
  return Outcome.success<bool>(true);
}

@external("aloft:platform/messaging@0.1.0", "request")
declare function _request(sp: usize, sl: usize, bp: usize, bl: usize, timeout: u32, ret: usize): void;

/** Sends a request and waits up to `timeoutMs` for the reply. */
export function request(subject: string, body: Uint8Array, timeoutMs: u32): Outcome<Message | null> {
  const s = utf8(subject);
  _request(changetype<usize>(s), s.byteLength, body.dataStart, body.length, timeoutMs, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<Message | null>(null, readFailure(retArea + 4));
  const subj = liftString(load<u32>(retArea, 4), load<u32>(retArea, 8));
  const replyTo: string | null = load<u8>(retArea, 12) == 0 ? null : liftString(load<u32>(retArea, 16), load<u32>(retArea, 20));
  const payload = liftBytes(load<u32>(retArea, 24), load<u32>(retArea, 28));
  return Outcome.success<Message | null>(new Message(subj, replyTo, payload));
}

// ---- lattice: calling another component ----
@external("aloft:platform/lattice@0.1.0", "call")
declare function _latticeCall(cp: usize, cl: usize, op: usize, ol: usize, pp: usize, pl: usize, ret: usize): void;

/** Calls operation `operation` of component `component`, wherever it runs. */
export function callComponent(component: string, operation: string, payload: Uint8Array): Outcome<Uint8Array> {
  const c = utf8(component);
  const o = utf8(operation);
  _latticeCall(changetype<usize>(c), c.byteLength, changetype<usize>(o), o.byteLength, payload.dataStart, payload.length, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<Uint8Array>(EMPTY, readFailure(retArea + 4));
  return Outcome.success<Uint8Array>(liftBytes(load<u32>(retArea, 4), load<u32>(retArea, 8)));
}

// ---- outgoing-http ----
@external("aloft:platform/outgoing-http@0.1.0", "fetch")
declare function _fetch(mp: usize, ml: usize, up: usize, ul: usize, hp: usize, hl: usize, bp: usize, bl: usize, timeout: u32, ret: usize): void;

/** Makes an HTTP request through the host. */
export function fetch(method: string, url: string, headers: Array<string[]>, body: Uint8Array, timeoutMs: u32 = 0): Outcome<HttpResponse | null> {
  const m = utf8(method);
  const u = utf8(url);
  const keep = new Array<ArrayBuffer>();
  const h = pairsArg(headers, keep);
  _fetch(changetype<usize>(m), m.byteLength, changetype<usize>(u), u.byteLength, changetype<usize>(h), headers.length, body.dataStart, body.length, timeoutMs, retArea);
  if (load<u8>(retArea) != 0) return new Outcome<HttpResponse | null>(null, readFailure(retArea + 4));
  const status = load<u16>(retArea, 4);
  const hs = liftPairs(load<u32>(retArea, 8), load<u32>(retArea, 12));
  const b = liftBytes(load<u32>(retArea, 16), load<u32>(retArea, 20));
  return Outcome.success<HttpResponse | null>(new HttpResponse(status, hs, b));
}

export { freeHost };

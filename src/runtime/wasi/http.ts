/**
 * `wasi:http/types` 0.2 for a component exporting `wasi:http/incoming-handler`: the resources an
 * incoming request and its response need, over an Aloft {@link HttpRequest}. Outgoing requests
 * are refused (`HTTP-request-denied`): components reach the outside through `outgoing-http`.
 */
import type { HttpRequest, HttpResponse } from '../types.ts';
import { InputStream, OutputStream, Pollable, wasiErr, type IoError } from './io.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch'];
const headerErr = (tag: 'invalid-syntax' | 'forbidden' | 'immutable'): unknown => wasiErr({ tag });
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** `fields`: header names are kept lower-case, values as bytes, in order. */
export class Fields {
  #entries: [string, Uint8Array][] = [];
  #immutable = false;
  static fromList(entries: [string, Uint8Array][]): Fields {
    const f = new Fields();
    for (const [name, value] of entries) f.append(name, value);
    return f;
  }
  /** A read-only copy (request headers, headers of a response once built). */
  static frozen(entries: [string, Uint8Array][]): Fields {
    const f = new Fields();
    f.#entries = entries;
    f.#immutable = true;
    return f;
  }
  #mutable(name: string): string {
    if (this.#immutable) throw headerErr('immutable');
    if (!TOKEN.test(name)) throw headerErr('invalid-syntax');
    return name.toLowerCase();
  }
  get(name: string): Uint8Array[] {
    const n = name.toLowerCase();
    return this.#entries.filter(([k]) => k === n).map(([, v]) => v);
  }
  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.#entries.some(([k]) => k === n);
  }
  set(name: string, values: Uint8Array[]): void {
    const n = this.#mutable(name);
    this.#entries = this.#entries.filter(([k]) => k !== n);
    for (const v of values) this.#entries.push([n, v.slice()]);
  }
  delete(name: string): void {
    const n = this.#mutable(name);
    this.#entries = this.#entries.filter(([k]) => k !== n);
  }
  append(name: string, value: Uint8Array): void {
    this.#entries.push([this.#mutable(name), value.slice()]);
  }
  entries(): [string, Uint8Array][] {
    return this.#entries.map(([k, v]) => [k, v]);
  }
  clone(): Fields {
    const f = new Fields();
    f.#entries = this.entries();
    return f;
  }
  freeze(): this {
    this.#immutable = true;
    return this;
  }
}

/** `future-trailers`: requests carry no trailers here. */
export class FutureTrailers {
  subscribe(): Pollable {
    return new Pollable();
  }
  get(): unknown {
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

/** `incoming-body`: the request body, already read by the host. */
export class IncomingBody {
  #stream: InputStream | undefined;
  constructor(body: Uint8Array) {
    this.#stream = new InputStream(body);
  }
  stream(): InputStream {
    const s = this.#stream;
    if (!s) throw wasiErr(undefined);
    this.#stream = undefined;
    return s;
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

/** `incoming-request` made from the request the host terminated. */
export class IncomingRequest {
  readonly #req: HttpRequest;
  #body: IncomingBody | undefined;
  constructor(req: HttpRequest) {
    this.#req = req;
    this.#body = new IncomingBody(req.body);
  }
  method(): { tag: string; val?: string } {
    const m = this.#req.method.toLowerCase();
    return METHODS.includes(m) ? { tag: m } : { tag: 'other', val: this.#req.method };
  }
  pathWithQuery(): string | undefined {
    return this.#req.path;
  }
  scheme(): { tag: string } | undefined {
    return { tag: 'HTTP' };
  }
  authority(): string | undefined {
    return this.#req.headers.find(([k]) => k === 'host')?.[1];
  }
  headers(): Fields {
    return Fields.frozen(this.#req.headers.map(([k, v]) => [k, enc.encode(v)]));
  }
  consume(): IncomingBody {
    const b = this.#body;
    if (!b) throw wasiErr(undefined);
    this.#body = undefined;
    return b;
  }
}

/** `outgoing-body`: collects the response body. */
export class OutgoingBody {
  readonly stream: OutputStream;
  #taken = false;
  finished = false;
  constructor(limit: number) {
    this.stream = new OutputStream(limit);
  }
  write(): OutputStream {
    if (this.#taken) throw wasiErr(undefined);
    this.#taken = true;
    return this.stream;
  }
  static finish(body: OutgoingBody, _trailers?: Fields): void {
    body.finished = true;
  }
}

/** `outgoing-response`: status, headers and body the guest builds. */
export class OutgoingResponse {
  #status = 200;
  readonly #fields: Fields;
  #body: OutgoingBody | undefined;
  /** The largest body a response may have (the component's message limit). */
  static bodyLimit = 16 * 1024 * 1024;
  constructor(headers: Fields) {
    this.#fields = headers.freeze();
  }
  statusCode(): number {
    return this.#status;
  }
  setStatusCode(code: number): void {
    if (!Number.isInteger(code) || code < 100 || code > 599) throw wasiErr(undefined);
    this.#status = code;
  }
  headers(): Fields {
    return this.#fields;
  }
  body(): OutgoingBody {
    return (this.#body ??= new OutgoingBody(OutgoingResponse.bodyLimit));
  }
  /** What the host sends: status, headers as text, the body written so far. */
  toResponse(): HttpResponse {
    return {
      status: this.#status,
      headers: this.#fields.entries().map(([k, v]) => [k, dec.decode(v)]),
      body: this.#body ? this.#body.stream.bytes() : new Uint8Array(0),
    };
  }
}

/** `response-outparam`: where the guest sets its response (or an error code). */
export class ResponseOutparam {
  result: { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: unknown } | undefined;
  static set(param: ResponseOutparam, response: ResponseOutparam['result']): void {
    param.result = response;
  }
}

/** Resources of outgoing requests: present so that guests link; sending is refused. */
export class OutgoingRequest {
  readonly fields: Fields;
  constructor(fields: Fields) {
    this.fields = fields;
  }
  body(): OutgoingBody {
    return new OutgoingBody(OutgoingResponse.bodyLimit);
  }
  method(): { tag: string } {
    return { tag: 'get' };
  }
  setMethod(): void {}
  pathWithQuery(): string | undefined {
    return undefined;
  }
  setPathWithQuery(): void {}
  scheme(): undefined {
    return undefined;
  }
  setScheme(): void {}
  authority(): undefined {
    return undefined;
  }
  setAuthority(): void {}
  headers(): Fields {
    return this.fields;
  }
}
export class RequestOptions {
  connectTimeout(): undefined {
    return undefined;
  }
  setConnectTimeout(): void {}
  firstByteTimeout(): undefined {
    return undefined;
  }
  setFirstByteTimeout(): void {}
  betweenBytesTimeout(): undefined {
    return undefined;
  }
  setBetweenBytesTimeout(): void {}
}
export class FutureIncomingResponse {
  subscribe(): Pollable {
    return new Pollable();
  }
  get(): undefined {
    return undefined;
  }
}
export class IncomingResponse {}

/** `wasi:http/outgoing-handler.handle`: refused; use the `outgoing-http` capability instead. */
export function refuseOutgoing(): never {
  throw wasiErr({ tag: 'HTTP-request-denied' });
}

/** The `wasi:http/types` import object. */
export function httpTypes(): Record<string, unknown> {
  return {
    Fields,
    FutureIncomingResponse,
    FutureTrailers,
    IncomingBody,
    IncomingRequest,
    IncomingResponse,
    OutgoingBody,
    OutgoingRequest,
    OutgoingResponse,
    RequestOptions,
    ResponseOutparam,
    httpErrorCode: (_err: IoError) => undefined,
  };
}

/** A guest's `err` for a request it could not answer (the http-server answers 500). */
export class WasiHttpFailure extends Error {
  readonly payload: { code: string; message: string };
  constructor(message: string) {
    super(message);
    this.payload = { code: 'HTTP_HANDLER_FAILED', message };
  }
}

/**
 * Calls a guest's `wasi:http/incoming-handler.handle` with `request` and returns the response it
 * set (status, headers, the body written to its outgoing body).
 */
export function serveIncoming(
  handle: (request: IncomingRequest, out: ResponseOutparam) => void,
  request: HttpRequest,
  bodyLimit: number,
): HttpResponse {
  OutgoingResponse.bodyLimit = bodyLimit;
  const out = new ResponseOutparam();
  handle(new IncomingRequest(request), out);
  const result = out.result;
  if (!result) throw new WasiHttpFailure('the handler returned without setting a response');
  if (result.tag === 'err') {
    throw new WasiHttpFailure(`the handler set an error: ${JSON.stringify(result.val)}`);
  }
  return result.val.toResponse();
}

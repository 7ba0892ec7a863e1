declare module 'aloft:platform/types@0.1.0' {
  /**
   * Header name/value pairs; names are lower-case.
   */
  export type Headers = Array<[string, string]>;
  /**
   * An HTTP request terminated by the host. `path` includes the query string.
   */
  export interface HttpRequest {
    method: string;
    path: string;
    headers: Headers;
    body: Uint8Array;
  }
  export interface HttpResponse {
    status: number;
    headers: Headers;
    body: Uint8Array;
  }
  /**
   * A message on the lattice (wasmCloud messaging's broker-message).
   */
  export interface Message {
    subject: string;
    replyTo?: string;
    body: Uint8Array;
  }
  /**
   * Every fallible call fails with a stable code (e.g. `KV_NOT_FOUND`, `TIMEOUT`) and a message.
   */
  export interface Error {
    code: string;
    message: string;
  }
}

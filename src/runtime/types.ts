/**
 * The aloft:platform records as the host sees them (jco's JavaScript mapping of the WIT types:
 * `list<u8>` → Uint8Array, `option<T>` → T | undefined, `s64` → bigint, kebab-case → camelCase).
 */

export type Headers = [name: string, value: string][];

export interface HttpRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: Headers;
  body: Uint8Array;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export interface Message {
  subject: string;
  replyTo?: string | undefined;
  body: Uint8Array;
}

/** The `error` record: what a capability or a guest operation fails with. */
export interface ErrorRecord {
  code: string;
  message: string;
}

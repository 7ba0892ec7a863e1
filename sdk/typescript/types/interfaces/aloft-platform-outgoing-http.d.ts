/// <reference path="./aloft-platform-types.d.ts" />
declare module 'aloft:platform/outgoing-http@0.1.0' {
  export function fetch(request: OutgoingRequest): HttpResponse;
  export type Headers = import('aloft:platform/types@0.1.0').Headers;
  export type HttpResponse = import('aloft:platform/types@0.1.0').HttpResponse;
  export type Error = import('aloft:platform/types@0.1.0').Error;
  export interface OutgoingRequest {
    method: string;
    url: string;
    headers: Headers;
    body: Uint8Array;
    /**
     * 0: the invocation's remaining deadline.
     */
    timeoutMs: number;
  }
}

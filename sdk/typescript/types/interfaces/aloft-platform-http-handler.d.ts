/// <reference path="./aloft-platform-types.d.ts" />
declare module 'aloft:platform/http-handler@0.1.0' {
  export function handle(request: HttpRequest): HttpResponse;
  export type HttpRequest = import('aloft:platform/types@0.1.0').HttpRequest;
  export type HttpResponse = import('aloft:platform/types@0.1.0').HttpResponse;
}

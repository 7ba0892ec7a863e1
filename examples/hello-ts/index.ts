// The smallest useful TypeScript component: answers HTTP with a greeting.
// Build: aloft build examples/hello-ts/index.ts
import type { HttpRequest, HttpResponse } from 'aloft:platform/types@0.1.0';

const enc = new TextEncoder();

export function handleHttp(req: HttpRequest): HttpResponse {
  return {
    status: 200,
    headers: [['content-type', 'text/plain; charset=utf-8']],
    body: enc.encode(`hello ${req.path}`),
  };
}

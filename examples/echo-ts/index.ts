// Echo over every handler, with a visit counter in key-value and a log line per call.
// Build: aloft build examples/echo-ts/index.ts
import { increment } from 'aloft:platform/keyvalue@0.1.0';
import { log } from 'aloft:platform/logging@0.1.0';
import { get } from 'aloft:platform/config@0.1.0';
import type { HttpRequest, HttpResponse, Message } from 'aloft:platform/types@0.1.0';
import { publish } from 'aloft:platform/messaging@0.1.0';

const enc = new TextEncoder();

export function handleHttp(req: HttpRequest): HttpResponse {
  const visits = increment('echo', 'visits', 1n);
  log('info', 'echo', `${req.method} ${req.path} (visit ${visits})`);
  const prefix = get('prefix') ?? '';
  return {
    status: 200,
    headers: [['content-type', 'application/octet-stream'], ['x-visits', String(visits)]],
    body: req.body.length > 0 ? req.body : enc.encode(`${prefix}${req.path}`),
  };
}

export function handleMessage(msg: Message): void {
  if (msg.replyTo) publish({ subject: msg.replyTo, body: msg.body });
}

export function call(name: string, payload: Uint8Array): Uint8Array {
  if (name === 'echo') return payload;
  throw { code: 'NO_SUCH_OPERATION', message: `echo has no operation ${name}` };
}

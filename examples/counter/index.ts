// The sample application: a counter service over HTTP.
//
//   GET    /health            → 200 "ok"
//   GET    /counters          → the counter names (JSON)
//   GET    /counters/<name>   → {"name","value"}
//   POST   /counters/<name>   → increments it, publishes `counters.changed`, logs, returns the value
//   DELETE /counters/<name>   → removes it
//
// It holds no networking, no database driver: key-value, messaging and logging are capabilities
// the host provides through links, so the same component runs against NATS KV or Redis, on any
// host in any cloud. A capability that is unavailable (e.g. Redis down) becomes a 503 with
// Retry-After, so clients and the ingress retry instead of seeing a hard failure.
import * as kv from 'aloft:platform/keyvalue@0.1.0';
import { publish } from 'aloft:platform/messaging@0.1.0';
import { log } from 'aloft:platform/logging@0.1.0';
import type { HttpRequest, HttpResponse } from 'aloft:platform/types@0.1.0';

const BUCKET = 'counters';
const enc = new TextEncoder();
const dec = new TextDecoder();

function json(status: number, value: unknown): HttpResponse {
  return {
    status,
    headers: [['content-type', 'application/json']],
    body: enc.encode(JSON.stringify(value)),
  };
}

/** The `{code, message}` of a capability error, whatever shape the bindings threw it in. */
function capabilityError(err: unknown): { code: string; message: string } {
  const payload = (err as { payload?: { code?: string; message?: string } } | null)?.payload;
  return { code: payload?.code ?? 'INTERNAL', message: payload?.message ?? String(err) };
}

function unavailable(err: unknown): HttpResponse {
  const { code, message } = capabilityError(err);
  log('warn', 'counter', `capability failed: ${code} ${message}`);
  const retryable = code.endsWith('UNAVAILABLE') || code === 'TIMEOUT' || code === 'NO_RESPONDERS';
  return {
    status: retryable ? 503 : 500,
    headers: [
      ['content-type', 'application/json'],
      ...(retryable ? ([['retry-after', '1']] as [string, string][]) : []),
    ],
    body: enc.encode(JSON.stringify({ error: code, message })),
  };
}

function valueOf(name: string): bigint {
  const raw = kv.get(BUCKET, name);
  return raw === undefined ? 0n : BigInt(dec.decode(raw));
}

export function handleHttp(req: HttpRequest): HttpResponse {
  const path = req.path.split('?')[0] ?? '/';
  if (path === '/health') return json(200, 'ok');
  try {
    if (path === '/counters' && req.method === 'GET') {
      return json(200, kv.listKeys(BUCKET, undefined).keys);
    }
    const m = /^\/counters\/([A-Za-z0-9_-]{1,64})$/.exec(path);
    if (!m) return json(404, { error: 'NOT_FOUND', message: `no route ${req.method} ${path}` });
    const name = m[1] ?? '';
    switch (req.method) {
      case 'GET':
        return json(200, { name, value: Number(valueOf(name)) });
      case 'POST': {
        const value = kv.increment(BUCKET, name, 1n);
        publish({ subject: 'counters.changed', replyTo: undefined, body: enc.encode(`${name}=${value}`) });
        log('info', 'counter', `${name} is now ${value}`);
        return json(200, { name, value: Number(value) });
      }
      case 'DELETE':
        kv.delete(BUCKET, name);
        return json(200, { name, deleted: true });
      default:
        return json(405, { error: 'METHOD_NOT_ALLOWED', message: req.method });
    }
  } catch (err) {
    return unavailable(err);
  }
}

import type { ServerResponse } from 'node:http';
import type { HttpResponseData } from './types.ts';

/** Error codes that mean "no instance can serve this now": answered 503 with Retry-After. */
export const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'NO_RESPONDERS',
  'UNAVAILABLE',
  'BUSY',
]);

/** Response headers the server sets itself, or that would break the connection. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

/**
 * The status an error maps to: 503 when no instance can serve (or a backend it needs is down:
 * any `*_UNAVAILABLE` code, e.g. `KV_UNAVAILABLE` passed up by the host), 504 on a timeout, else 500.
 */
export function statusForError(err: unknown): 503 | 504 | 500 {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 500;
  if (UNAVAILABLE_CODES.has(code) || code.endsWith('_UNAVAILABLE')) return 503;
  if (code === 'TIMEOUT' || code.endsWith('_TIMEOUT')) return 504;
  return 500;
}

/** Writes a short plain-text answer (errors: never a stack trace). */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(body.length),
    ...extra,
  });
  res.end(body);
}

/**
 * Writes a component's response: its headers in order (a repeated name stays repeated, e.g.
 * `set-cookie`), less the hop-by-hop ones, then `content-length` and the body.
 *
 * @throws {Error} when the status or a header is invalid (nothing has been sent yet then).
 */
export function sendResponse(res: ServerResponse, response: HttpResponseData): void {
  const { status, headers, body } = response;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new Error(`invalid HTTP status ${String(status)}`);
  }
  if (!(body instanceof Uint8Array)) throw new Error('the response body is not bytes');
  // A flat [name, value, …] list: writeHead validates each pair and writes it as it is.
  const flat: string[] = [];
  for (const [name, value] of Array.isArray(headers) ? headers : []) {
    if (HOP_BY_HOP.has(name.toLowerCase())) continue;
    flat.push(name, value);
  }
  flat.push('content-length', String(body.length));
  res.writeHead(status, flat);
  res.end(body);
}

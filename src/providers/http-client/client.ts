import { AloftError } from '../../support/index.ts';
import type { HeaderList, HttpResponseData } from '../http-server/index.ts';
import { isAllowed, type AllowList } from './allow-list.ts';

/** A component's outgoing request (`aloft:platform/outgoing-http` `outgoing-request`). */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: HeaderList;
  body: Uint8Array;
  /** 0: the client's default timeout. */
  timeoutMs: number;
}

/** Options of {@link httpClient}. */
export interface HttpClientOptions {
  /** Hosts the component may call (see {@link isAllowed}); empty: none. */
  allow: AllowList;
  /** Timeout when the request gives none, and the most a request may ask for. Default 30 000 ms. */
  timeoutMs?: number;
  /** Largest response body; larger ones fail with `HTTP_TOO_LARGE`. Default 10 MiB. */
  maxResponseBytes?: number;
}

/** Stable codes of outgoing HTTP failures. */
export const HttpClientCodes = {
  NOT_ALLOWED: 'HTTP_NOT_ALLOWED',
  INVALID: 'HTTP_INVALID',
  TIMEOUT: 'HTTP_TIMEOUT',
  TOO_LARGE: 'HTTP_TOO_LARGE',
  UNREACHABLE: 'HTTP_UNREACHABLE',
} as const;

/** Request headers the client sets itself or that fetch refuses. */
const DROPPED = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
  'expect',
]);

/** Outgoing HTTP for components. */
export interface HttpClient {
  /** Resolves with any HTTP status (redirects are returned, not followed); rejects with an `HTTP_*` code. */
  fetch(request: OutgoingRequest, signal?: AbortSignal): Promise<HttpResponseData>;
}

function fail(
  code: string,
  message: string,
  opts: { cause?: unknown; retryable?: boolean; hint?: string } = {},
): never {
  throw new AloftError(code, message, opts);
}

async function readLimited(res: Response, max: number, url: string): Promise<Uint8Array> {
  const tooLarge = (): never =>
    fail(HttpClientCodes.TOO_LARGE, `the response from ${url} is larger than ${max} bytes`);
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel();
    tooLarge();
  }
  if (!res.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Outgoing HTTP restricted to an allow-list of hosts, with a timeout and a response size limit.
 * Redirects are not followed (a redirect could leave the allow-list): the 3xx goes back to the
 * component. The allow-list is checked on the URL's host name, before any connection is made.
 *
 * @example
 * const client = httpClient({ allow: ['api.example.com', '127.0.0.1:*'] });
 * const res = await client.fetch({ method: 'GET', url: 'https://api.example.com/x', headers: [], body: new Uint8Array(), timeoutMs: 0 });
 */
export function httpClient(options: HttpClientOptions): HttpClient {
  const maxTimeout = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
  return {
    fetch: async (request, signal) => {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return fail(HttpClientCodes.INVALID, `not a URL: ${JSON.stringify(request.url)}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        fail(HttpClientCodes.INVALID, `only http and https URLs are allowed, not ${url.protocol}`);
      }
      if (!isAllowed(options.allow, url)) {
        fail(HttpClientCodes.NOT_ALLOWED, `${url.host} is not in this link's allow-list`, {
          hint: `add it to the link config, e.g. allow=${url.host}`,
        });
      }
      const method = request.method.toUpperCase();
      if (!/^[A-Z]+$/.test(method)) fail(HttpClientCodes.INVALID, `bad method ${request.method}`);
      const hasBody = request.body.length > 0;
      if (hasBody && (method === 'GET' || method === 'HEAD')) {
        fail(HttpClientCodes.INVALID, `a ${method} request cannot have a body`);
      }
      const headers = new Headers();
      try {
        for (const [k, v] of request.headers)
          if (!DROPPED.has(k.toLowerCase())) headers.append(k, v);
      } catch (err) {
        fail(HttpClientCodes.INVALID, `bad request header: ${(err as Error).message}`);
      }
      const timeoutMs =
        request.timeoutMs > 0 ? Math.min(request.timeoutMs, maxTimeout) : maxTimeout;
      const timeout = AbortSignal.timeout(timeoutMs);
      const abort = signal ? AbortSignal.any([timeout, signal]) : timeout;
      try {
        const res = await fetch(url, {
          method,
          headers,
          body: hasBody ? request.body : undefined,
          redirect: 'manual',
          signal: abort,
        });
        const body = await readLimited(res, maxBytes, url.host);
        const out: HeaderList = [];
        res.headers.forEach((v, k) => {
          if (k !== 'set-cookie') out.push([k, v]);
        });
        for (const c of res.headers.getSetCookie()) out.push(['set-cookie', c]);
        return { status: res.status, headers: out, body };
      } catch (err) {
        if (err instanceof AloftError) throw err;
        if (timeout.aborted) {
          fail(HttpClientCodes.TIMEOUT, `${method} ${url.host} took longer than ${timeoutMs} ms`, {
            cause: err,
            retryable: true,
          });
        }
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        fail(
          HttpClientCodes.UNREACHABLE,
          `${method} ${url.host} failed: ${cause?.code ?? cause?.message ?? String(err)}`,
          {
            cause: err,
            retryable: true,
          },
        );
      }
    },
  };
}

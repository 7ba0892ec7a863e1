/** Header name/value pairs; names are lower-case. */
export type HeaderList = [string, string][];

/** A request as a component's `http-handler` sees it (`path` includes the query string). */
export interface HttpRequestData {
  method: string;
  path: string;
  headers: HeaderList;
  body: Uint8Array;
}

/** A component's answer. */
export interface HttpResponseData {
  status: number;
  headers: HeaderList;
  body: Uint8Array;
}

/**
 * Serves one request by calling `target` (a component) — supplied by the host. Throw an error whose
 * `code` is `NO_RESPONDERS`, `UNAVAILABLE` or `BUSY` when no instance can serve (503 with
 * `Retry-After`), `TIMEOUT` when it did not answer in time (504); anything else is a 500.
 * `signal` aborts when the request times out or the client goes away.
 */
export type HttpHandler = (
  target: string,
  request: HttpRequestData,
  options: { timeoutMs: number; signal: AbortSignal },
) => Promise<HttpResponseData>;

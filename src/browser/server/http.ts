import type { IncomingMessage, ServerResponse } from 'node:http';

/** A page or endpoint on the dashboard's server (the web domain's `RouteHandler`). */
export type JoinRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Every `/join` response: cross-origin isolated (SharedArrayBuffer), same-origin only. */
const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
} as const;

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
  cache = 'no-store',
): void {
  res.writeHead(status, { ...ISOLATION, 'content-type': type, 'cache-control': cache });
  res.end(body);
}

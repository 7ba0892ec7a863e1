/**
 * Bundled by page-nats.ts and run inside a browser page: a second NATS connection over WebSocket
 * with the credentials the page was given, which tries things on the server and reports what it
 * answered. It stands for any code that runs in a `/join` page (or anyone who can load it).
 */
import {
  credsAuthenticator,
  headers as natsHeaders,
  wsconnect,
  type NatsConnection,
} from '@nats-io/nats-core';

/** One thing to try: a request, a plain publish, or a subscription. */
export interface PageTry {
  kind: 'request' | 'publish' | 'subscribe';
  subject: string;
  /** Message headers (requests and publishes). */
  headers?: Record<string, string>;
  body?: string;
}

/** What the server answered. `ok` false carries the error nats.js reported. */
export interface PageTryResult {
  kind: PageTry['kind'];
  subject: string;
  ok: boolean;
  /** The reply's body, for a request that was answered. */
  reply?: string;
  error?: { name: string; message: string; operation?: string; subject?: string };
}

interface NatsError {
  name?: string;
  message?: string;
  operation?: string;
  subject?: string;
}

/** The error, or the one a request failed of (nats.js wraps it: `RequestError`, its `cause`). */
const describe = (err: unknown): NonNullable<PageTryResult['error']> => {
  const outer = (err ?? {}) as NatsError & { cause?: NatsError };
  const e = outer.name === 'RequestError' && outer.cause ? outer.cause : outer;
  return {
    name: e.name ?? 'Error',
    message: e.message ?? String(err),
    ...(e.operation ? { operation: e.operation } : {}),
    ...(e.subject ? { subject: e.subject } : {}),
  };
};

/** Connects as the page's config says (servers, credentials, inbox prefix) and runs `tries`. */
export async function tryAsPage(
  config: { servers: string[]; credentials?: string; inboxPrefix?: string },
  tries: PageTry[],
): Promise<PageTryResult[]> {
  const nc: NatsConnection = await wsconnect({
    servers: config.servers,
    name: 'page-probe',
    maxReconnectAttempts: 0,
    timeout: 5000,
    ...(config.credentials !== undefined
      ? { authenticator: credsAuthenticator(new TextEncoder().encode(config.credentials)) }
      : {}),
    ...(config.inboxPrefix !== undefined ? { inboxPrefix: config.inboxPrefix } : {}),
  });
  // nats-server answers a refused PUB or SUB with -ERR before the PONG of the next flush.
  const violations: NatsError[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error') violations.push(s.error);
    }
  })();
  const refusal = (operation: string, subject: string): NatsError | undefined =>
    violations.find(
      (v) =>
        v.name === 'PermissionViolationError' && v.operation === operation && v.subject === subject,
    );
  const settle = async (): Promise<void> => {
    await nc.flush();
    await new Promise((r) => setTimeout(r, 0));
  };
  const results: PageTryResult[] = [];
  try {
    for (const t of tries) {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(t.headers ?? {})) h.set(k, v);
      const body = t.body ?? '{}';
      if (t.kind === 'request') {
        try {
          const m = await nc.request(t.subject, body, { timeout: 3000, headers: h });
          results.push({ kind: t.kind, subject: t.subject, ok: true, reply: m.string() });
        } catch (err) {
          results.push({ kind: t.kind, subject: t.subject, ok: false, error: describe(err) });
        }
      } else if (t.kind === 'publish') {
        nc.publish(t.subject, body, { headers: h });
        await settle();
        const refused = refusal('publish', t.subject);
        results.push({
          kind: t.kind,
          subject: t.subject,
          ok: !refused,
          ...(refused ? { error: describe(refused) } : {}),
        });
      } else {
        const sub = nc.subscribe(t.subject);
        await settle();
        const refused = refusal('subscription', t.subject);
        if (!sub.isClosed()) sub.unsubscribe();
        results.push({
          kind: t.kind,
          subject: t.subject,
          ok: !refused,
          ...(refused ? { error: describe(refused) } : {}),
        });
      }
    }
  } finally {
    await nc.close();
  }
  return results;
}

/**
 * Bundled by page-nats.ts and run inside a browser page: what any code in a `/join` page (or
 * anyone who can load it) can do with NATS. It gets credentials of its own from the page's
 * server the way the tab does (a fresh host key, a signed challenge), opens a second NATS
 * connection over WebSocket, tries things on the server and reports what it answered.
 */
import {
  headers as natsHeaders,
  jwtAuthenticator,
  wsconnect,
  type NatsConnection,
} from '@nats-io/nats-core';
import { createServer } from '@nats-io/nkeys';

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

/** Credentials a page can hold: a user JWT and the seed of the key it names. */
export interface PageCreds {
  hostId: string;
  jwt: string;
  seed: string;
  inboxPrefix: string;
}

interface PageConfig {
  lattice: string;
  servers: string[];
  auth?: { challengeUrl: string; credentialsUrl: string };
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

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const postJson = async (url: string, body: unknown): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
};

/**
 * Asks the page's server for credentials, as the tab does, with a fresh key; `claim` names another
 * host id to ask for instead (signing with the fresh key: the server should refuse). Returns the
 * credentials, or the server's refusal.
 */
export async function credentialsFor(
  config: PageConfig,
  claim?: string,
): Promise<{ ok: true; creds: PageCreds } | { ok: false; status: number; code: string }> {
  if (!config.auth) throw new Error('the page has no credentials endpoints');
  const key = createServer();
  const hostId = claim ?? key.getPublicKey();
  const { nonce } = (await postJson(config.auth.challengeUrl, {})).json as { nonce: string };
  // The format of src/browser/config.ts's challengeText: the probe must speak the same protocol.
  const text = `aloft-join-v1\n${config.lattice}\n${hostId}\n${nonce}`;
  const signature = b64url(key.sign(new TextEncoder().encode(text)));
  const res = await postJson(config.auth.credentialsUrl, { hostId, nonce, signature });
  if (res.status !== 200) {
    return { ok: false, status: res.status, code: (res.json as { code: string }).code };
  }
  const c = res.json as { jwt: string; inboxPrefix: string };
  return {
    ok: true,
    creds: {
      hostId,
      jwt: c.jwt,
      inboxPrefix: c.inboxPrefix,
      seed: new TextDecoder().decode(key.getSeed()),
    },
  };
}

function connectWith(config: PageConfig, creds: PageCreds | undefined): Promise<NatsConnection> {
  return wsconnect({
    servers: config.servers,
    name: 'page-probe',
    maxReconnectAttempts: 0,
    timeout: 5000,
    ...(creds
      ? {
          authenticator: jwtAuthenticator(creds.jwt, new TextEncoder().encode(creds.seed)),
          inboxPrefix: creds.inboxPrefix,
        }
      : {}),
  });
}

/** Whether the server accepts a connection with `creds`; its error when it does not. */
export async function tryConnect(
  config: PageConfig,
  creds: PageCreds,
): Promise<{ ok: boolean; error?: string }> {
  try {
    const nc = await connectWith(config, creds);
    await nc.flush();
    await nc.close();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

/** Connects with `creds` (none: no credentials) and runs `tries`. */
export async function tryAsPage(
  config: PageConfig,
  creds: PageCreds | undefined,
  tries: PageTry[],
): Promise<PageTryResult[]> {
  const nc = await connectWith(config, creds);
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

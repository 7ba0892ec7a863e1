import type { NatsConnection } from '@nats-io/nats-core';
import type { KeyPair } from '@nats-io/nkeys';
import {
  AloftError,
  errorMessage,
  systemClock,
  type Clock,
  type Logger,
} from '../../support/index.ts';
import {
  JoinChallenge,
  JoinRefusal,
  TabCredentials,
  challengeText,
  toBase64Url,
  type JoinConfig,
} from '../config.ts';

/** A same-origin JSON POST: `fetch` in the page. */
export type PostJson = (
  url: string,
  body: unknown,
) => Promise<{ status: number; json(): Promise<unknown> }>;

/** Refusals after which asking again cannot help: this tab is not (any more) welcome. */
const FINAL = new Set(['JOIN_EVICTED', 'JOIN_PROOF_INVALID', 'JOIN_INVALID_REQUEST']);

async function post<T>(
  postJson: PostJson,
  url: string,
  body: unknown,
  schema: { parse(v: unknown): T },
): Promise<T> {
  let res: Awaited<ReturnType<PostJson>>;
  try {
    res = await postJson(url, body);
  } catch (err) {
    throw new AloftError('JOIN_UNREACHABLE', `cannot reach ${url}: ${errorMessage(err)}`, {
      retryable: true,
    });
  }
  const json = await res.json().catch(() => undefined);
  if (res.status !== 200) {
    const refusal = JoinRefusal.safeParse(json);
    const code = refusal.success ? refusal.data.code : 'JOIN_FAILED';
    const message = refusal.success ? refusal.data.error : `HTTP ${res.status}`;
    throw new AloftError(code, message, { retryable: !FINAL.has(code) });
  }
  return schema.parse(json);
}

/**
 * Asks the page's server for NATS credentials of this tab's own: a challenge nonce, signed with
 * the host key (which never leaves the tab), for a short-lived user JWT bound to the host id.
 *
 * @throws {AloftError} the server's refusal code (`retryable` false when asking again cannot help)
 */
export async function requestCredentials(
  auth: NonNullable<JoinConfig['auth']>,
  lattice: string,
  key: KeyPair,
  postJson: PostJson,
): Promise<TabCredentials> {
  const { nonce } = await post(postJson, auth.challengeUrl, {}, JoinChallenge);
  const hostId = key.getPublicKey();
  const signature = toBase64Url(
    key.sign(new TextEncoder().encode(challengeText(lattice, hostId, nonce))),
  );
  return post(postJson, auth.credentialsUrl, { hostId, nonce, signature }, TabCredentials);
}

/**
 * Resolves true at the connection's next `reconnect` status, false after `ms`. Listens from the
 * moment it is called, so call it before `nc.reconnect()`.
 */
function reconnected(nc: NatsConnection, ms: number): Promise<boolean> {
  const it = nc.status()[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  return (async () => {
    try {
      for (;;) {
        const next = await Promise.race([it.next(), timeout]);
        if (next === 'timeout' || next.done === true) return false;
        if (next.value.type === 'reconnect') return true;
      }
    } finally {
      clearTimeout(timer);
      void it.return?.();
    }
  })();
}

/** What renewal needs of the host: a quiet moment, its connection, and a way to leave. */
export interface RenewalTarget {
  readonly nc: NatsConnection;
  quiesce<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Keeps a tab's credentials current: halfway through each JWT's life it asks for the next one,
 * then reconnects with it while the host takes no new calls (`quiesce`), so nothing in flight is
 * lost. A final refusal (evicted), or no renewal before the JWT is about to expire, calls
 * `onLost` with the reason, while the current JWT still lets the host leave gracefully.
 */
export function keepCredentials(options: {
  first: TabCredentials;
  request: () => Promise<TabCredentials>;
  target: RenewalTarget;
  every: (ms: number, fn: () => void) => () => void;
  onRenewed: (creds: TabCredentials) => void;
  onLost: (reason: string) => void;
  logger: Logger;
  clock?: Clock;
}): () => void {
  const clock = options.clock ?? systemClock;
  const log = options.logger;
  const schedule = (c: TabCredentials, at: number) => ({
    renewAt: at + c.renewAfterMs,
    // Leave while the JWT is still good: the last tenth of its life (at most 30 s) is for leaving.
    giveUpAt: at + c.expiresInMs - Math.min(30_000, c.expiresInMs / 10),
  });
  let due = schedule(options.first, clock.monotonic());
  let busy = false;
  let lost = false;
  let retryAt = 0;

  const renew = async (): Promise<void> => {
    const started = clock.monotonic();
    try {
      const next = await options.request();
      options.onRenewed(next);
      due = schedule(next, clock.monotonic());
      const gapFrom = clock.monotonic();
      await options.target.quiesce(async () => {
        const back = reconnected(options.target.nc, 10_000);
        await options.target.nc.reconnect();
        if (!(await back)) throw new Error('no reconnect within 10 s');
      });
      log.info('credentials renewed', {
        expiresInMs: next.expiresInMs,
        requestMs: Math.round(gapFrom - started),
        quietMs: Math.round(clock.monotonic() - gapFrom),
      });
    } catch (err) {
      const final = err instanceof AloftError && !err.retryable;
      if (final || clock.monotonic() >= due.giveUpAt) {
        lost = true;
        stop();
        options.onLost(
          final
            ? `the lattice refused to renew this tab's credentials: ${errorMessage(err)}`
            : `could not renew this tab's credentials before they expire: ${errorMessage(err)}`,
        );
        return;
      }
      retryAt = clock.monotonic() + Math.min(5000, Math.max(500, (due.giveUpAt - started) / 10));
      log.warn('credentials renewal failed; trying again', { error: err });
    }
  };

  const stop = options.every(1000, () => {
    const now = clock.monotonic();
    if (busy || lost || now < due.renewAt || now < retryAt) return;
    busy = true;
    void renew().finally(() => {
      busy = false;
    });
  });
  return stop;
}

import { Agent, request as httpRequest } from 'node:http';
import { SERVED_BY_HEADER } from './deploy.ts';

/** One second of traffic, as the live view and `sim report` show it. */
export interface LoadSecond {
  /** Seconds since the load started. */
  t: number;
  /** Successful requests per serving cloud. */
  servedBy: Record<string, number>;
  errors: number;
  /** Requests not sent this second: their cloud was at its in-flight cap. */
  skipped: number;
  /** Requests per ingress (origin) cloud in this second: answered 2xx, and failed. */
  byOrigin: Record<string, { ok: number; errors: number }>;
  p50Ms: number;
  p99Ms: number;
}

/** One request of the mix; `{origin}` in the path becomes the ingress cloud's name. */
export interface LoadRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  path: string;
}

/** What happened to one request. */
export interface RequestResult {
  /** The cloud whose ingress the request was sent to. */
  origin: string;
  method: string;
  path: string;
  /** HTTP status, or 0 when no response came (connection refused, reset, timeout). */
  status: number;
  /** The cloud whose host ran the component (from the ingress's served-by header). */
  servedBy: string | undefined;
  /** The response body (up to 4 KiB), or the network error. */
  body: string;
  ms: number;
}

export interface LoadTotals {
  ok: number;
  errors: number;
  /** Failed requests by the cloud whose ingress they were sent to. */
  errorsByOrigin: Record<string, number>;
  /** Successful requests by the cloud that served them. */
  servedBy: Record<string, number>;
  /** Requests not sent because their cloud was at its in-flight cap. */
  skipped: number;
}

export interface LoadGenerator {
  history: LoadSecond[];
  totals(): LoadTotals;
  /**
   * Called once per second with that second's figures (the one place they are produced), e.g. to
   * append them to a timeline file. Returns a function that removes the listener.
   */
  onSecond(listener: (second: LoadSecond) => void): () => void;
  stop(): Promise<void>;
}

export interface LoadOptions {
  /** Each cloud's ingress base URL (`http://host:port`); read on every tick. */
  ingress: () => Record<string, string>;
  /** The requests each cloud's users send, in turn. Default `GET /health`. */
  requests?: readonly LoadRequest[];
  ratePerCloud: number;
  /** Bounded: it stops sending by itself after this long. */
  maxSeconds: number;
  /** Only these clouds' users send requests (e.g. not those of a dead cloud). Default: all. */
  activeClouds?: () => string[];
  /** Per-request timeout. Default 20 000 ms. */
  timeoutMs?: number;
  /**
   * Bounds the unanswered requests per ingress cloud; a tick sends none to a cloud at its bound
   * (counted as skipped), so a machine too slow for the rate serves what it can instead of
   * queueing requests until they time out. The bound is `seconds` of what that cloud answered
   * with success in its best second of the last five (failures, often fast, say nothing of its
   * capacity), and at least `floor`. Default: no bound.
   */
  inFlightCap?: InFlightCap;
  /** Told about every finished request. */
  observe?: (result: RequestResult) => void;
  /** Called with each second's figures as they are produced (e.g. the run's journal). */
  onSecond?: (second: LoadSecond) => void;
}

/** See {@link LoadOptions.inFlightCap}. */
export interface InFlightCap {
  seconds: number;
  floor: number;
}

/** How many unanswered requests `origin` may have, from the load's recent seconds. */
export function inFlightBound(
  recent: readonly LoadSecond[],
  origin: string,
  cap: InFlightCap | undefined,
): number {
  if (!cap) return Number.POSITIVE_INFINITY;
  let best = 0;
  for (const s of recent.slice(-5)) {
    const o = s.byOrigin[origin];
    if (o) best = Math.max(best, o.ok);
  }
  return Math.max(cap.floor, Math.ceil(cap.seconds * best));
}

/** The cloud named by the ingress's served-by header (`cloud=aws; region=…; host=…`). */
export function servedCloud(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? /(?:^|;\s*)cloud=([^;\s]+)/.exec(value)?.[1] : undefined;
}

/**
 * Idle keep-alive sockets are closed after this long: below the ingress's 5 s keep-alive
 * timeout, so a request never goes out on a socket the server is closing at that moment.
 */
const IDLE_SOCKET_MS = 4000;

/** A keep-alive agent for the load generator. */
const keepAliveAgent = (maxSockets: number): Agent =>
  new Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS });

type Sent = { status: number; servedBy: string | undefined; body: string };

function send(agent: Agent, base: string, req: LoadRequest, timeoutMs: number): Promise<Sent> {
  // A server may close a kept-alive socket as a request goes out on it; as browsers do, an
  // idempotent request that met that is sent again, once, on a new connection.
  const idempotent = req.method === 'GET' || req.method === 'HEAD';
  return sendOnce(
    agent,
    base,
    req,
    timeoutMs,
    idempotent ? () => sendOnce(agent, base, req, timeoutMs) : undefined,
  );
}

function sendOnce(
  agent: Agent,
  base: string,
  req: LoadRequest,
  timeoutMs: number,
  onReusedSocketReset?: () => Promise<Sent>,
): Promise<Sent> {
  return new Promise((resolve) => {
    const r = httpRequest(
      new URL(req.path, base),
      { method: req.method, agent, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            servedBy: servedCloud(res.headers[SERVED_BY_HEADER]),
            body: Buffer.concat(chunks).toString('utf8').slice(0, 4096),
          }),
        );
        res.once('error', (err) => resolve({ status: 0, servedBy: undefined, body: String(err) }));
      },
    );
    r.once('timeout', () => r.destroy(new Error(`no response within ${timeoutMs} ms`)));
    r.once('error', (err: NodeJS.ErrnoException) => {
      if (onReusedSocketReset && r.reusedSocket && err.code === 'ECONNRESET') {
        resolve(onReusedSocketReset());
      } else resolve({ status: 0, servedBy: undefined, body: err.message });
    });
    r.end();
  });
}

/**
 * Drives HTTP requests to every cloud's ingress, as that cloud's users would: `ratePerCloud`
 * requests per second each, over real sockets (keep-alive), tallied per second by the cloud that
 * served them (the ingress's served-by header) and by the ingress (origin) cloud.
 *
 * @example
 * const load = await startLoad({ ingress: () => ({ aws: 'http://127.0.0.1:8080' }), ratePerCloud: 20, maxSeconds: 60 });
 */
export function startLoad(options: LoadOptions): Promise<LoadGenerator> {
  const requests = options.requests?.length
    ? options.requests
    : [{ method: 'GET', path: '/health' } as const];
  const timeoutMs = options.timeoutMs ?? 20_000;
  const agent = keepAliveAgent(256);
  const history: LoadSecond[] = [];
  const listeners = new Set<(s: LoadSecond) => void>();
  const fresh = (): {
    servedBy: Record<string, number>;
    errors: number;
    skipped: number;
    byOrigin: LoadSecond['byOrigin'];
    latencies: number[];
  } => ({
    servedBy: {},
    errors: 0,
    skipped: 0,
    byOrigin: {},
    latencies: [],
  });
  let current = fresh();
  const totals: LoadTotals = { ok: 0, errors: 0, errorsByOrigin: {}, servedBy: {}, skipped: 0 };
  /** Unanswered requests per ingress cloud. */
  const open = new Map<string, number>();
  const turn = new Map<string, number>();
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();

  const record = (r: RequestResult): void => {
    const ok = r.status >= 200 && r.status < 300;
    const o = (current.byOrigin[r.origin] ??= { ok: 0, errors: 0 });
    if (ok) {
      const by = r.servedBy ?? 'unknown';
      totals.ok++;
      totals.servedBy[by] = (totals.servedBy[by] ?? 0) + 1;
      current.servedBy[by] = (current.servedBy[by] ?? 0) + 1;
      current.latencies.push(r.ms);
      o.ok++;
    } else {
      totals.errors++;
      totals.errorsByOrigin[r.origin] = (totals.errorsByOrigin[r.origin] ?? 0) + 1;
      current.errors++;
      o.errors++;
    }
    options.observe?.(r);
  };

  const tick = setInterval(() => {
    const sorted = [...current.latencies].sort((a, b) => a - b);
    const pct = (p: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    const second: LoadSecond = {
      t: Math.round((performance.now() - started) / 1000),
      servedBy: current.servedBy,
      errors: current.errors,
      skipped: current.skipped,
      byOrigin: current.byOrigin,
      p50Ms: pct(50),
      p99Ms: pct(99),
    };
    current = fresh();
    history.push(second);
    options.onSecond?.(second);
    for (const l of listeners) l(second);
  }, 1000);

  const fire = setInterval(() => {
    if (performance.now() - started > options.maxSeconds * 1000) return;
    const ingress = options.ingress();
    for (const origin of options.activeClouds?.() ?? Object.keys(ingress)) {
      const base = ingress[origin];
      if (!base) continue;
      const unanswered = open.get(origin) ?? 0;
      if (unanswered >= inFlightBound(history, origin, options.inFlightCap)) {
        current.skipped++;
        totals.skipped++;
        continue;
      }
      const i = turn.get(origin) ?? 0;
      turn.set(origin, i + 1);
      const template = requests[i % requests.length] ?? requests[0];
      if (!template) continue;
      const req = { method: template.method, path: template.path.replaceAll('{origin}', origin) };
      const t0 = performance.now();
      open.set(origin, unanswered + 1);
      const p = send(agent, base, req, timeoutMs).then((res) => {
        open.set(origin, (open.get(origin) ?? 1) - 1);
        record({ origin, ...req, ...res, ms: performance.now() - t0 });
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  }, 1000 / options.ratePerCloud);

  return Promise.resolve({
    history,
    totals: () => ({
      ...totals,
      errorsByOrigin: { ...totals.errorsByOrigin },
      servedBy: { ...totals.servedBy },
    }),
    onSecond: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: async () => {
      clearInterval(fire);
      clearInterval(tick);
      await Promise.allSettled([...inFlight]);
      agent.destroy();
    },
  });
}

/** Options of {@link warmUp}. */
export interface WarmUpOptions {
  /** Each cloud's ingress base URL. */
  ingress: Record<string, string>;
  /** The requests the load will send (`{origin}` is replaced by the cloud's name). */
  requests: readonly LoadRequest[];
  /** Requests sent at once to each cloud per round. Default 4. */
  concurrency?: number;
  /** A round counts as warm when every request succeeded within this. Default 1000 ms. */
  fastMs?: number;
  /** Gives up (without error: the load will show what is wrong) after this long. Default 60 s. */
  maxMs?: number;
}

/**
 * Sends rounds of requests to every cloud's ingress until one round is answered fast and without
 * error: newly placed instances pay for their first calls (compiling, connecting, first key-value
 * reads), and a load started at full rate against them turns that into a queue that times out.
 * Resolves with the rounds it took and whether it got there.
 */
export async function warmUp(options: WarmUpOptions): Promise<{ rounds: number; warm: boolean }> {
  const agent = keepAliveAgent(64);
  const concurrency = options.concurrency ?? 4;
  const fastMs = options.fastMs ?? 1000;
  const deadline = performance.now() + (options.maxMs ?? 60_000);
  let rounds = 0;
  try {
    while (performance.now() < deadline) {
      rounds++;
      const sent = Object.entries(options.ingress).flatMap(([origin, base]) =>
        Array.from({ length: concurrency }, async (_, i) => {
          const template = options.requests[i % options.requests.length];
          if (!template) return true;
          const req = {
            method: template.method,
            path: template.path.replaceAll('{origin}', origin),
          };
          const t0 = performance.now();
          const res = await send(agent, base, req, 5000);
          return res.status >= 200 && res.status < 300 && performance.now() - t0 <= fastMs;
        }),
      );
      if ((await Promise.all(sent)).every(Boolean)) return { rounds, warm: true };
    }
    return { rounds, warm: false };
  } finally {
    agent.destroy();
  }
}

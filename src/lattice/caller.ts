import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { silentLogger, systemClock, type Clock, type Logger } from '../support/index.ts';
import { LatticeCodes, LatticeError } from './errors.ts';
import type { HostsView } from './hosts-view.ts';
import { keepLocal, type Caller } from './routing.ts';
import { request } from './rpc.ts';
import { subjectsFor } from './subjects.ts';

/** The least time worth an attempt after others failed. */
const MIN_ATTEMPT_MS = 20;

/** Headers of a call request. */
export const CALL_HEADERS = {
  operation: 'Aloft-Operation',
  /** Milliseconds the callee has before the caller gives up on this attempt. */
  timeout: 'Aloft-Timeout-Ms',
  caller: 'Aloft-Caller',
  /** Set on attempts after the first; the callee may use it to deduplicate. */
  attempt: 'Aloft-Attempt',
  /** On a reply to a call sent to a component's queue group: the id of the host that served it. */
  servedBy: 'Aloft-Served-By',
} as const;

export interface CallOptions {
  /** The call's one deadline, shared by every retry. Default 10 s. */
  timeoutMs?: number;
  /** Longest wait for one instance before trying another. Default min(timeoutMs, 2 s). */
  attemptTimeoutMs?: number;
  /**
   * The operation may run twice without harm: retry it elsewhere after a timeout too. Calls that
   * never reached an instance (no responders, shed by a busy or stopping host) are always retried.
   */
  idempotent?: boolean;
  headers?: Record<string, string>;
  /**
   * How long to keep looking when no instance serves the target at all (default: the whole
   * deadline). An HTTP edge sets a short wait so that clients get a prompt 503 instead of
   * waiting out their timeout, while a brief gap during failover is still bridged.
   */
  noResponderWaitMs?: number;
  /** Told which host answered (`self`'s id for an in-process call) once the call succeeded. */
  onServed?: (hostId: string | undefined) => void;
}

/**
 * Runs a call in-process when the caller's own host serves the component; undefined otherwise.
 * `headers` are the call's extra headers (`CallOptions.headers`, e.g. trace context), which a
 * remote call would carry in its NATS message.
 */
export type LocalInvoke = (
  component: string,
  operation: string,
  payload: Uint8Array,
  timeoutMs: number,
  headers: Readonly<Record<string, string>> | undefined,
) => Promise<Uint8Array> | undefined;

export interface LatticeCaller {
  /** Calls a component's operation wherever it runs. */
  call(
    component: string,
    operation: string,
    payload: Uint8Array,
    options?: CallOptions,
  ): Promise<Uint8Array>;
  /**
   * Sends a capability call to a provider instance (by provider name) wherever it runs; `payload`
   * is the encoded call (see `encodeCapabilityCall`). Same routing and retry rules as `call`.
   */
  callProvider(provider: string, payload: Uint8Array, options?: CallOptions): Promise<Uint8Array>;
}

export interface CallerOptions {
  lattice: string;
  /** The routing table; without one every call goes to the component's queue group. */
  view?: HostsView;
  self?: Caller;
  local?: LocalInvoke;
  clock?: Clock;
  logger?: Logger;
  /** Told about every finished call: who served it (`self` for in-process), tries, duration. */
  observe?: (outcome: CallOutcome) => void;
}

/** What happened to one call, for metrics and the simulation's live view. */
export interface CallOutcome {
  kind: 'component' | 'provider';
  name: string;
  /** The host that answered (from the reply when the queue group did; `undefined` when it failed). */
  servedBy: string | undefined;
  attempts: number;
  ms: number;
  ok: boolean;
  code?: string;
}

/** The callee's pool gave up at the deadline the call carried (the runtime's code). */
const COMPONENT_TIMEOUT = 'COMPONENT_TIMEOUT';

/** Codes that mean the call never started on the callee: always safe to send elsewhere. */
const NOT_STARTED: ReadonlySet<string> = new Set([
  LatticeCodes.NO_RESPONDERS,
  LatticeCodes.BUSY,
  LatticeCodes.UNAVAILABLE,
]);

/**
 * Location-transparent calls: in-process when possible, else the best-ranked host, retrying on
 * another instance when one is gone, hung, saturated or stopping, until the call's deadline.
 * The caller sees one error only when every option failed; it lists what was tried.
 *
 * @example
 * const caller = createCaller(nc, { lattice: 'default', view });
 * const out = await caller.call('echo', 'echo', new TextEncoder().encode('hi'), { idempotent: true });
 */
export function createCaller(nc: NatsConnection, options: CallerOptions): LatticeCaller {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const s = subjectsFor(options.lattice);
  const self = options.self ?? {};

  /** Recent successful attempt durations per target, for adaptive attempt timeouts. */
  const latencies = new Map<string, number[]>();
  const record = (key: string, ms: number): void => {
    let ring = latencies.get(key);
    if (!ring) latencies.set(key, (ring = []));
    ring.push(ms);
    if (ring.length > 64) ring.shift();
  };

  /** The shared attempt loop: rank, try, classify the failure, move on, until the deadline. */
  const observed = async (
    kind: 'component' | 'provider',
    name: string,
    run: (report: (servedBy: string | undefined, attempts: number) => void) => Promise<Uint8Array>,
  ): Promise<Uint8Array> => {
    if (!options.observe) return run(() => undefined);
    const t0 = clock.monotonic();
    let servedBy: string | undefined;
    let attempts = 1;
    try {
      const out = await run((host, n) => {
        servedBy = host;
        attempts = n;
      });
      options.observe({ kind, name, servedBy, attempts, ms: clock.monotonic() - t0, ok: true });
      return out;
    } catch (err) {
      const code = err instanceof LatticeError ? err.code : 'INTERNAL';
      options.observe({
        kind,
        name,
        servedBy: undefined,
        attempts,
        ms: clock.monotonic() - t0,
        ok: false,
        code,
      });
      throw err;
    }
  };

  const attempt = async (
    kind: 'component' | 'provider',
    name: string,
    operation: string,
    payload: Uint8Array,
    callOptions: CallOptions,
    local: Promise<Uint8Array> | undefined,
    report: (servedBy: string | undefined, attempts: number) => void = () => undefined,
  ): Promise<Uint8Array> => {
    const total = callOptions.timeoutMs ?? 10_000;
    // Idempotent work can afford to give up on a silent instance early: a few times the recent
    // worst latency. Other work waits up to 2 s, since a retry after a timeout is not allowed.
    const perAttempt =
      callOptions.attemptTimeoutMs ??
      (callOptions.idempotent === true
        ? Math.min(total, adaptiveTimeout(latencies.get(`${kind}:${name}`)))
        : Math.min(total, 2000));
    const deadline = clock.monotonic() + total;
    const tried: string[] = [];
    const failures: string[] = [];
    let last: LatticeError | undefined;
    let backoff = 10;
    let nobodySince: number | undefined;
    /** Failed attempts that may have reached an instance (not NO_RESPONDERS, BUSY, …). */
    let reached = 0;

    if (local) {
      try {
        const out = await local;
        report(self.hostId ?? 'self', 1);
        return out;
      } catch (err) {
        if (!(err instanceof LatticeError) || !NOT_STARTED.has(err.code)) throw err;
        failures.push(`this host: ${err.code}`);
        last = err;
      }
    }

    for (;;) {
      const remaining = deadline - clock.monotonic();
      // A few ms left after failed attempts: another attempt could only time out, and its
      // "no reply within 1 ms" would hide what the attempts before it found.
      if (remaining <= 0 || (failures.length > 0 && remaining < MIN_ATTEMPT_MS)) break;
      const candidates =
        options.view
          ?.rank(name, self, kind)
          .filter((h) => h !== self.hostId && !tried.includes(h)) ?? [];
      const ranked =
        callOptions.idempotent === true
          ? candidates
          : keepLocal(candidates, (h) => options.view?.get(h)?.labels, self);
      const target = ranked[0];
      const subject =
        kind === 'component'
          ? target
            ? s.rpcOnHost(name, target)
            : s.rpcAny(name)
          : target
            ? s.capabilityOnHost(name, target)
            : s.capabilityAny(name);
      const timeoutMs = Math.max(1, Math.min(perAttempt, remaining));
      const h = natsHeaders();
      h.set(CALL_HEADERS.operation, operation);
      h.set(CALL_HEADERS.timeout, String(timeoutMs));
      if (self.hostId) h.set(CALL_HEADERS.caller, self.hostId);
      if (failures.length > 0) h.set(CALL_HEADERS.attempt, String(failures.length + 1));
      for (const [k, v] of Object.entries(callOptions.headers ?? {})) h.set(k, v);
      try {
        const sent = clock.monotonic();
        const reply = await request(nc, subject, payload, { timeoutMs, headers: h });
        record(`${kind}:${name}`, clock.monotonic() - sent);
        report(
          target ?? (reply.headers?.get(CALL_HEADERS.servedBy) || undefined),
          failures.length + 1,
        );
        return reply.data;
      } catch (err) {
        const e =
          err instanceof LatticeError
            ? err
            : new LatticeError(LatticeCodes.TRANSPORT, String(err), { retryable: true });
        last = e;
        failures.push(`${target ? target.slice(0, 12) : 'any instance'}: ${e.code}`);
        // No answer in time, whether the caller gave up or the callee's pool did (an invocation
        // queued behind a capability call that waits on a quorum): it may or may not have run.
        const ambiguous =
          e.code === LatticeCodes.TIMEOUT ||
          e.code === LatticeCodes.TRANSPORT ||
          e.code === COMPONENT_TIMEOUT;
        const safe = NOT_STARTED.has(e.code) || (ambiguous && callOptions.idempotent === true);
        if (!safe) {
          // Alone — or after attempts that reached no instance (nobody served it yet, e.g. a
          // component only browser tabs serve, which take no queue-group calls, while this
          // caller's routing table was still empty) — the error speaks for itself; after other
          // attempts, the summary says more.
          if (failures.length === 1 || (reached === 0 && timeoutMs >= perAttempt)) throw e;
          break;
        }
        if (!NOT_STARTED.has(e.code)) reached++;
        if (target) {
          tried.push(target);
          options.view?.suspect(target, e.code === LatticeCodes.BUSY ? 200 : 2000, e.code);
        } else {
          // Nobody serves it right now (e.g. during failover): wait a little, then look again.
          nobodySince ??= clock.monotonic();
          if (
            callOptions.noResponderWaitMs !== undefined &&
            clock.monotonic() - nobodySince >= callOptions.noResponderWaitMs
          ) {
            break;
          }
          tried.length = 0;
          await new Promise((r) =>
            setTimeout(r, Math.min(backoff, Math.max(0, deadline - clock.monotonic()))),
          );
          backoff = Math.min(backoff * 2, 250);
        }
        log.debug('call attempt failed; trying another instance', { name, target, code: e.code });
      }
    }
    const code =
      last?.code === LatticeCodes.NO_RESPONDERS || !last ? LatticeCodes.NO_RESPONDERS : last.code;
    throw new LatticeError(
      code,
      `call to ${name} (${operation}) failed within ${Math.round(deadline - clock.monotonic() < MIN_ATTEMPT_MS ? total : Math.min(total, clock.monotonic() - (deadline - total)))} ms; tried ${summarize(failures)}`,
      { retryable: last?.retryable ?? true, cause: last },
    );
  };

  return {
    call: (component, operation, payload, callOptions = {}) =>
      observed('component', component, (report) =>
        attempt(
          'component',
          component,
          operation,
          payload,
          callOptions,
          options.local?.(
            component,
            operation,
            payload,
            callOptions.timeoutMs ?? 10_000,
            callOptions.headers,
          ),
          callOptions.onServed
            ? (host, n) => {
                report(host, n);
                callOptions.onServed?.(host);
              }
            : report,
        ),
      ),
    callProvider: (provider, payload, callOptions = {}) =>
      observed('provider', provider, (report) =>
        attempt('provider', provider, 'capability', payload, callOptions, undefined, report),
      ),
  };
}

/** "NABC…: TIMEOUT, any instance: NO_RESPONDERS ×41" — each distinct failure once, with a count. */
function summarize(failures: string[]): string {
  if (failures.length === 0) return 'nothing';
  const counts = new Map<string, number>();
  for (const f of failures) counts.set(f, (counts.get(f) ?? 0) + 1);
  const parts = [...counts].map(([f, n]) => (n > 1 ? `${f} ×${n}` : f));
  return parts.length > 6
    ? `${parts.slice(0, 6).join(', ')} and ${parts.length - 6} more`
    : parts.join(', ');
}

/**
 * Attempt timeout for idempotent calls: four times the worst of the recent attempts, between
 * 100 ms and 750 ms (2 s until there is history). Bounding it keeps a caller's worst case near
 * one second when an instance dies with the call in flight, even on a busy machine.
 */
export function adaptiveTimeout(recent: readonly number[] | undefined): number {
  if (!recent || recent.length < 8) return 2000;
  return Math.min(750, Math.max(100, Math.ceil(4 * Math.max(...recent))));
}

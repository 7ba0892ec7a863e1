import { headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/nats-core';
import {
  CALL_HEADERS,
  LatticeCodes,
  LatticeError,
  replyError,
  subjectsFor,
} from '../lattice/index.ts';
import { isAloftError, type Logger } from '../support/index.ts';
import {
  ComponentError,
  GuestError,
  type HttpRequest,
  type HttpResponse,
  type Message,
} from '../runtime/index.ts';
import { fromWire, toWire } from '../lattice/index.ts';
import { readTraceContext, type TraceContext } from '../telemetry/index.ts';
import type { HostInstruments } from './instrument.ts';

/**
 * Reserved operation names that invoke a component's handler exports instead of `operation.call`;
 * their payload is the request in the JSON wire form (docs/protocol.md).
 */
export const HANDLER_OPS = { http: '$http', message: '$message' } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
import type { Placement } from './placements.ts';

export interface ServeContext {
  nc: NatsConnection;
  lattice: string;
  hostId: string;
  logger: Logger;
  /** False while draining or stopping: new calls are refused as UNAVAILABLE (never started). */
  accepting(): boolean;
  /** Called when in-flight work changes, to let drain wait for zero. */
  onIdleChange(): void;
  /** Where served calls are counted (metrics, spans, heartbeat statistics). */
  instruments: HostInstruments;
  /** Also serve the component's queue group `rpc.<c>.any` (not in a browser tab). */
  serveAny: boolean;
}

/** One call to run on the local instance pool. */
export interface LocalCall {
  operation: string;
  payload: Uint8Array;
  timeoutMs: number;
  /** Shed when saturated (the caller has somewhere else to go); otherwise queue. Default true. */
  shed?: boolean;
  /** The caller already counts this call as in flight (it also covers sending the reply). */
  counted?: boolean;
  /** The trace the call belongs to. */
  trace?: TraceContext | undefined;
}

/** The call never started here (draining, saturated, unloaded): another host may take it. */
export function isNotStarted(err: unknown): boolean {
  return (
    err instanceof LatticeError &&
    (err.code === LatticeCodes.BUSY ||
      err.code === LatticeCodes.UNAVAILABLE ||
      err.code === LatticeCodes.NO_RESPONDERS)
  );
}

/**
 * Subscribes a placement's call subjects: the host's own (`rpc.<c>.<host>`) and, unless
 * `serveAny` is false, the component's queue group (`rpc.<c>.any`). Each request runs concurrently; a saturated pool sheds at once
 * with BUSY (the caller tries another host) rather than queueing until the caller's deadline.
 */
export function serveCalls(ctx: ServeContext, p: Placement): void {
  const s = subjectsFor(ctx.lattice);
  p.subs.push(
    ctx.nc.subscribe(s.rpcOnHost(p.name, ctx.hostId), {
      callback: (_e, m) => void invoke(ctx, p, m, false),
    }),
  );
  if (!ctx.serveAny) return;
  p.subs.push(
    ctx.nc.subscribe(s.rpcAny(p.name), {
      queue: `rpc.${p.name}`,
      callback: (_e, m) => void invoke(ctx, p, m, true),
    }),
  );
}

/**
 * Runs one call on the local instance pool. Used for calls from NATS and in-process calls alike,
 * so it is the one place where the host counts the calls it serves (`ctx.instruments`).
 */
export async function invokeLocal(
  ctx: Pick<ServeContext, 'accepting' | 'onIdleChange' | 'instruments'>,
  p: Placement,
  call: LocalCall,
): Promise<Uint8Array> {
  const served = ctx.instruments.served(p.name, call.operation, call.trace);
  try {
    const out = await runLocal(ctx, p, call, served.metadata);
    served.end();
    return out;
  } catch (err) {
    served.end(err);
    throw err;
  }
}

/**
 * An HTTP request for a component placed on this host, handed to its pool as it is: the
 * same-host path of the http-server provider (no wire encoding, no NATS message). Same
 * admission rules and the same accounting as {@link invokeLocal}.
 */
export async function invokeLocalHttp(
  ctx: Pick<ServeContext, 'accepting' | 'onIdleChange' | 'instruments'>,
  p: Placement,
  request: HttpRequest,
  call: { timeoutMs: number; shed: Shed; trace?: TraceContext | undefined },
): Promise<HttpResponse> {
  const served = ctx.instruments.served(p.name, HANDLER_OPS.http, call.trace);
  try {
    const out = await guarded(ctx, p, call.shed, false, () =>
      p.component.handleHttp(request, { timeoutMs: call.timeoutMs, metadata: served.metadata }),
    );
    served.end();
    return out;
  } catch (err) {
    served.end(err);
    throw err;
  }
}

/** Whether a saturated pool refuses the call (BUSY) rather than queue it; a function is asked only then. */
type Shed = boolean | (() => boolean);

function runLocal(
  ctx: Pick<ServeContext, 'accepting' | 'onIdleChange'>,
  p: Placement,
  { operation, payload, timeoutMs, shed = true, counted = false }: LocalCall,
  metadata: Readonly<Record<string, string>> | undefined,
): Promise<Uint8Array> {
  return guarded(ctx, p, shed, counted, async () => {
    if (operation === HANDLER_OPS.http) {
      const req = fromWire(JSON.parse(decoder.decode(payload))) as HttpRequest;
      const res = await p.component.handleHttp(req, { timeoutMs, metadata });
      return encoder.encode(JSON.stringify(toWire(res)));
    }
    if (operation === HANDLER_OPS.message) {
      const msg = fromWire(JSON.parse(decoder.decode(payload))) as Message;
      await p.component.handleMessage(msg, { timeoutMs, metadata });
      return new Uint8Array(0);
    }
    return await p.component.call(operation, payload, { timeoutMs, metadata });
  });
}

/**
 * Admission and error mapping shared by every local invocation: refuse while draining, shed when
 * saturated, count in-flight work, and turn runtime errors into lattice codes.
 */
async function guarded<T>(
  ctx: Pick<ServeContext, 'accepting' | 'onIdleChange'>,
  p: Placement,
  shed: Shed,
  counted: boolean,
  run: () => Promise<T>,
): Promise<T> {
  if (!ctx.accepting()) {
    throw new LatticeError(
      LatticeCodes.UNAVAILABLE,
      `host is draining; ${p.name} takes no new calls here`,
      { retryable: true },
    );
  }
  // Work waiting for instances that are starting (e.g. while others wait on I/O) is not shed.
  // The queue length alone first: building the full stats on every call took ~2 % of the host
  // thread under load.
  const queued = p.component.queued();
  if (
    queued > 0 &&
    queued >= p.count * 4 + p.component.stats().starting &&
    (typeof shed === 'function' ? shed() : shed)
  ) {
    throw new LatticeError(LatticeCodes.BUSY, `${p.name} is saturated on this host`, {
      retryable: true,
    });
  }
  if (!counted) p.inFlight++;
  try {
    return await run();
  } catch (err) {
    if (err instanceof GuestError) {
      // The component's own error record: callers see its code, not the runtime's wrapper.
      throw new LatticeError(err.guestCode, err.message, { cause: err });
    }
    if (
      err instanceof ComponentError &&
      err.code === 'COMPONENT_TIMEOUT' &&
      err.started === false
    ) {
      // It waited for an instance until its deadline and never ran: safe to send elsewhere.
      throw new LatticeError(
        LatticeCodes.BUSY,
        `${p.name} is saturated on this host: ${err.message}`,
        {
          retryable: true,
          cause: err,
        },
      );
    }
    if (isAloftError(err, 'COMPONENT_BUSY')) {
      throw new LatticeError(LatticeCodes.BUSY, err.message, { retryable: true, cause: err });
    }
    if (isAloftError(err, 'COMPONENT_UNLOADED') || isAloftError(err, 'COMPONENT_SUSPENDED')) {
      // Unloaded under a running invocation: it may have acted, like a call without an answer.
      const ran = err instanceof ComponentError && err.started === true;
      throw new LatticeError(ran ? LatticeCodes.TIMEOUT : LatticeCodes.UNAVAILABLE, err.message, {
        retryable: true,
        cause: err,
      });
    }
    throw err;
  } finally {
    if (!counted) {
      p.inFlight--;
      ctx.onIdleChange();
    }
  }
}

async function invoke(
  ctx: ServeContext,
  p: Placement,
  msg: Msg,
  viaQueueGroup: boolean,
): Promise<void> {
  const operation = msg.headers?.get(CALL_HEADERS.operation) || 'call';
  const timeoutMs = Number(msg.headers?.get(CALL_HEADERS.timeout)) || 10_000;
  // In flight until the reply is sent, so that a drain (and a stop closing the connection after
  // it) never cuts a call off between its result and its reply.
  p.inFlight++;
  try {
    const trace = readTraceContext((k) => msg.headers?.get(k));
    const out = await invokeLocal(ctx, p, {
      operation,
      payload: msg.data,
      timeoutMs,
      shed: true,
      counted: true,
      trace,
    });
    if (!msg.reply) return;
    if (viaQueueGroup) {
      // The caller learns who served it only from the reply.
      const h = natsHeaders();
      h.set(CALL_HEADERS.servedBy, ctx.hostId);
      msg.respond(out, { headers: h });
    } else {
      msg.respond(out);
    }
  } catch (err) {
    if (!isAloftError(err))
      ctx.logger.error('call failed unexpectedly', { component: p.name, operation, error: err });
    replyError(msg, err);
  } finally {
    p.inFlight--;
    ctx.onIdleChange();
  }
}

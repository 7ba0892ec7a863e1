/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as Aloft carries it: the `traceparent`
 * and `tracestate` headers, in NATS message headers, HTTP headers and an invocation's metadata.
 */

/** The trace a piece of work belongs to, in its W3C header form. */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** Header names, lower case as W3C Trace Context writes them. */
export const TRACE_HEADERS = { parent: 'traceparent', state: 'tracestate' } as const;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[^\s]*)?$/;
const MAX_TRACESTATE = 512;

/** The ids in a `traceparent`, or undefined when it is malformed or all-zero. */
export function parseTraceparent(
  value: string | undefined | null,
): { traceId: string; spanId: string; sampled: boolean } | undefined {
  if (!value) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  // Version ff is invalid; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/**
 * The trace context in headers read through `get` (NATS `MsgHdrs.get`, an HTTP header lookup, a
 * metadata record), or undefined when there is none or its `traceparent` is malformed.
 */
export function readTraceContext(
  get: (name: string) => string | undefined | null,
): TraceContext | undefined {
  const traceparent = get(TRACE_HEADERS.parent);
  if (!traceparent || !parseTraceparent(traceparent)) return undefined;
  const tracestate = get(TRACE_HEADERS.state);
  return tracestate && tracestate.length <= MAX_TRACESTATE
    ? { traceparent: traceparent.trim(), tracestate }
    : { traceparent: traceparent.trim() };
}

/** The headers that carry `ctx` (empty when there is no trace). */
export function traceHeaders(ctx: TraceContext | undefined): Record<string, string> {
  if (!ctx) return {};
  return ctx.tracestate
    ? { [TRACE_HEADERS.parent]: ctx.traceparent, [TRACE_HEADERS.state]: ctx.tracestate }
    : { [TRACE_HEADERS.parent]: ctx.traceparent };
}

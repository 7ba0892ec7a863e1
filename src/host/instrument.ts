import {
  capabilityMetrics,
  invocationMetrics,
  noopTracing,
  providerMetrics,
  traceHeaders,
  type CounterSeries,
  type HistogramSeries,
  type MetricsRegistry,
  type TraceContext,
  type Tracing,
} from '../telemetry/index.ts';
import type { CallObserver } from './call-stats.ts';

/** One served call in progress. */
export interface ServedCallHandle {
  /** Metadata for the invocation (its trace context), so capability calls continue the trace. */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** Ends the call: `error` undefined when it succeeded. Call exactly once. */
  end(error?: unknown): void;
}

/**
 * The host's instrumentation: the one place where it counts the calls it serves (heartbeat
 * statistics through `observe`, Prometheus metrics, spans), the capability calls its components
 * make, and the calls its providers serve.
 */
export interface HostInstruments {
  readonly tracing: Tracing;
  /** Starts counting a component invocation served here. */
  served(component: string, operation: string, parent: TraceContext | undefined): ServedCallHandle;
  /** Runs a component's capability call inside a client span; `run` gets the context to send on. */
  capability<T>(
    call: { component: string; interface: string; function: string; target?: string },
    parent: TraceContext | undefined,
    run: (trace: TraceContext | undefined) => Promise<T>,
  ): Promise<T>;
  /**
   * Runs a call a provider on this host serves, counted per provider and interface, inside a span;
   * `run` gets the context the provider's own work continues.
   */
  provider<T>(
    call: { provider: string; interface: string; function: string; component: string },
    parent: TraceContext | undefined,
    remote: boolean,
    run: (trace: TraceContext | undefined) => Promise<T>,
  ): Promise<T>;
}

/** Codes of calls refused before they started: the caller tries another instance. */
const SHED: ReadonlySet<string> = new Set(['BUSY', 'UNAVAILABLE']);

/** The code of a thrown error (`AloftError`, `LatticeError`, a guest error), else `INTERNAL`. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'INTERNAL';
}

const describe = (err: unknown): { code: string; message: string } => ({
  code: errorCode(err),
  message: err instanceof Error ? err.message : String(err),
});

/**
 * Builds a host's instruments. Without a registry nothing is counted; with tracing off (the
 * default) no span is recorded and an incoming trace context is passed on unchanged.
 */
export function hostInstruments(options: {
  metrics?: MetricsRegistry | undefined;
  tracing?: Tracing | undefined;
  /** Told of every served call once it finished or was refused (heartbeat statistics). */
  observe?: CallObserver | undefined;
  /** Attributes every span of this host carries (host id, cloud, lattice). */
  attributes: Record<string, string | undefined>;
}): HostInstruments {
  const tracing = options.tracing ?? noopTracing;
  const attrs = options.attributes;
  const inv = options.metrics ? invocationMetrics(options.metrics) : undefined;
  const prov = options.metrics ? providerMetrics(options.metrics) : undefined;
  const caps = options.metrics ? capabilityMetrics(options.metrics) : undefined;
  const observe = options.observe;
  /** Bound series per component and operation: the hot path does one map lookup. */
  const series = new Map<
    string,
    { ok: CounterSeries; err: CounterSeries; shed: CounterSeries; time: HistogramSeries }
  >();
  const seriesFor = (component: string, operation: string) => {
    const key = `${component}\u0000${operation}`;
    let s = series.get(key);
    if (!s && inv) {
      s = {
        ok: inv.invocations.with({ component, operation, outcome: 'ok' }),
        err: inv.invocations.with({ component, operation, outcome: 'error' }),
        shed: inv.invocations.with({ component, operation, outcome: 'shed' }),
        time: inv.duration.with({ component, operation }),
      };
      series.set(key, s);
    }
    return s;
  };

  return {
    tracing,
    served(component, operation, parent) {
      const t0 = performance.now();
      const span = tracing.startSpan(`${component} ${operation}`, {
        kind: 'server',
        parent,
        attributes: tracing.enabled
          ? { ...attrs, 'aloft.component': component, 'aloft.operation': operation }
          : undefined,
      });
      let ended = false;
      return {
        metadata: span.context ? traceHeaders(span.context) : undefined,
        end(error) {
          if (ended) return;
          ended = true;
          const ms = performance.now() - t0;
          const failure = error === undefined ? undefined : describe(error);
          // Refused before it started (saturated, draining): the caller went elsewhere.
          const outcome = !failure ? 'ok' : SHED.has(failure.code) ? 'shed' : 'error';
          observe?.({
            component,
            operation,
            outcome,
            durationMs: outcome === 'shed' ? 0 : ms,
            ...(failure ? { code: failure.code } : {}),
          });
          const s = seriesFor(component, operation);
          if (s) {
            s[outcome === 'error' ? 'err' : outcome].inc();
            if (outcome !== 'shed') s.time.observe(ms / 1000);
            if (failure) inv?.errors.inc({ component, operation, code: failure.code });
          }
          span.end(failure);
        },
      };
    },
    async capability(call, parent, run) {
      const span = tracing.startSpan(`${call.interface}.${call.function}`, {
        kind: 'client',
        parent,
        attributes: tracing.enabled
          ? {
              ...attrs,
              'aloft.component': call.component,
              'aloft.interface': call.interface,
              'aloft.function': call.function,
              'aloft.provider': call.target,
            }
          : undefined,
      });
      try {
        const out = await run(span.context);
        span.end();
        caps?.inc({ component: call.component, interface: call.interface, outcome: 'ok' });
        return out;
      } catch (err) {
        const failure = describe(err);
        span.end(failure);
        caps?.inc({ component: call.component, interface: call.interface, outcome: failure.code });
        throw err;
      }
    },
    async provider(call, parent, remote, run) {
      const t0 = performance.now();
      const span = tracing.startSpan(`${call.provider} ${call.interface}.${call.function}`, {
        kind: remote ? 'server' : 'internal',
        parent,
        attributes: tracing.enabled
          ? {
              ...attrs,
              'aloft.provider': call.provider,
              'aloft.interface': call.interface,
              'aloft.function': call.function,
              'aloft.component': call.component,
            }
          : undefined,
      });
      const count = (outcome: string, code?: string): void => {
        if (!prov) return;
        const labels = { provider: call.provider, interface: call.interface };
        prov.calls.inc({ ...labels, function: call.function, outcome });
        prov.duration.observe(labels, (performance.now() - t0) / 1000);
        if (code) prov.errors.inc({ ...labels, code });
      };
      try {
        const out = await run(span.context);
        count('ok');
        span.end();
        return out;
      } catch (err) {
        const failure = describe(err);
        count('error', failure.code);
        span.end(failure);
        throw err;
      }
    },
  };
}

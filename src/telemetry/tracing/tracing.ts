import { silentLogger, type Logger } from '../../support/index.ts';
import type { TracingConfig } from './config.ts';
import type { TraceContext } from './context.ts';

export type SpanKind = 'server' | 'client' | 'internal' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanStart {
  kind?: SpanKind;
  /** The trace this span continues; a new trace starts without one. */
  parent?: TraceContext | undefined;
  attributes?: SpanAttributes;
}

/** A span in progress. */
export interface ActiveSpan {
  /**
   * The context to pass along with work done on this span's behalf (as headers, as invocation
   * metadata): this span's own when tracing is on; the parent's, unchanged, when it is off, so a
   * trace continues through a process that does not record; undefined when there is no trace.
   */
  readonly context: TraceContext | undefined;
  setAttribute(key: string, value: string | number | boolean): void;
  /** Ends the span; with `error` its status is ERROR and `aloft.outcome` the error's code. */
  end(error?: { code: string; message?: string }): void;
}

/**
 * Spans, or nothing: the seam between Aloft's code and OpenTelemetry. Processes with tracing off
 * get {@link noopTracing}, which allocates nothing for work that carries no trace.
 */
export interface Tracing {
  readonly enabled: boolean;
  startSpan(name: string, options?: SpanStart): ActiveSpan;
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

const nothing = (): void => undefined;
const noSpan: ActiveSpan = { context: undefined, setAttribute: nothing, end: nothing };

/** Tracing switched off: records nothing, exports nothing, passes incoming trace context on. */
export const noopTracing: Tracing = {
  enabled: false,
  startSpan: (_name, options) =>
    options?.parent ? { context: options.parent, setAttribute: nothing, end: nothing } : noSpan,
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * Tracing as configured: OpenTelemetry exporting OTLP/HTTP when `config.enabled`, else
 * {@link noopTracing}. The OpenTelemetry SDK (~0.2 s to load) is loaded only when it is on.
 *
 * @example
 * const tracing = await createTracing(tracingConfig(process.env), { 'service.name': 'aloft-host' });
 * const span = tracing.startSpan('echo echo', { kind: 'server', parent: readTraceContext(get) });
 * span.end();
 */
export async function createTracing(
  config: TracingConfig,
  resource: Record<string, string>,
  logger: Logger = silentLogger,
): Promise<Tracing> {
  const endpoint = config.endpoint;
  if (!config.enabled || endpoint === undefined) return noopTracing;
  const { otelTracing } = await import('./otel.ts');
  return otelTracing({ ...config, endpoint }, resource, logger);
}

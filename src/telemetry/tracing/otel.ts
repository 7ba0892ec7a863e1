import {
  ROOT_CONTEXT,
  SpanKind as OtelKind,
  SpanStatusCode,
  trace,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import {
  ExportResultCode,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { errorMessage, silentLogger, type Logger } from '../../support/index.ts';
import type { TracingConfig } from './config.ts';
import type { TraceContext } from './context.ts';
import type { ActiveSpan, SpanKind, Tracing } from './tracing.ts';

/** Longest a shutdown waits for the last spans to be exported. */
const SHUTDOWN_MS = 2000;

const kinds: Record<SpanKind, OtelKind> = {
  server: OtelKind.SERVER,
  client: OtelKind.CLIENT,
  internal: OtelKind.INTERNAL,
  producer: OtelKind.PRODUCER,
  consumer: OtelKind.CONSUMER,
};

const getter: TextMapGetter<TraceContext> = {
  get: (carrier, key) => (carrier as unknown as Record<string, string | undefined>)[key],
  keys: (carrier) => Object.keys(carrier),
};
const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

function samplerFor(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.ratio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}

/** Reports failed exports to the logger, at most once a minute, instead of OpenTelemetry's silence. */
function reporting(exporter: SpanExporter, log: Logger, endpoint: string): SpanExporter {
  let lastWarn = -Infinity;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && performance.now() - lastWarn > 60_000) {
          lastWarn = performance.now();
          log.warn('trace export failed; spans are dropped', {
            endpoint,
            spans: spans.length,
            error: result.error ? errorMessage(result.error) : 'unknown',
          });
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/**
 * OpenTelemetry tracing exporting to OTLP/HTTP (JSON) in batches. Nothing global is registered:
 * spans are parented explicitly from W3C trace context, so several hosts can trace
 * independently in one process. Loaded only when tracing is on (see `createTracing`).
 */
export function otelTracing(
  config: TracingConfig & { endpoint: string },
  resource: Record<string, string>,
  logger: Logger = silentLogger,
): Tracing {
  const exporter = new OTLPTraceExporter({ url: config.endpoint, headers: config.headers });
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...config.resource,
        ...resource,
        ...(config.serviceName ? { 'service.name': config.serviceName } : {}),
      }),
    ),
    sampler: samplerFor(config),
    spanProcessors: [
      new BatchSpanProcessor(reporting(exporter, logger, config.endpoint), {
        scheduledDelayMillis: config.exportDelayMs,
        maxQueueSize: config.maxQueueSize,
        maxExportBatchSize: Math.min(512, config.maxQueueSize),
      }),
    ],
  });
  const tracer = provider.getTracer('aloft');
  const propagator = new W3CTraceContextPropagator();
  let stopped = false;

  return {
    enabled: true,
    startSpan(name, options = {}): ActiveSpan {
      const parent = options.parent
        ? propagator.extract(ROOT_CONTEXT, options.parent, getter)
        : ROOT_CONTEXT;
      const attributes: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(options.attributes ?? {})) {
        if (v !== undefined) attributes[k] = v;
      }
      const span = tracer.startSpan(
        name,
        { kind: kinds[options.kind ?? 'internal'], attributes },
        parent,
      );
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, setter);
      const context: TraceContext | undefined = carrier.traceparent
        ? carrier.tracestate
          ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate }
          : { traceparent: carrier.traceparent }
        : undefined;
      return {
        context,
        setAttribute: (key, value) => {
          span.setAttribute(key, value);
        },
        end: (error) => {
          if (error) {
            span.setAttribute('aloft.outcome', error.code);
            span.setStatus({
              code: SpanStatusCode.ERROR,
              message: error.message ? `${error.code}: ${error.message}` : error.code,
            });
          } else {
            span.setAttribute('aloft.outcome', 'ok');
          }
          span.end();
        },
      };
    },
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      if (stopped) return;
      stopped = true;
      // The last export gets a moment, not the exporter's 30 s of retries: a process stopping
      // with its collector unreachable must not hang.
      let timer: NodeJS.Timeout | undefined;
      const done = provider.shutdown().then(
        () => undefined,
        (err: unknown) => logger.warn('trace export at shutdown failed', { error: err }),
      );
      await Promise.race([done, new Promise((r) => (timer = setTimeout(r, SHUTDOWN_MS)))]);
      clearTimeout(timer);
    },
  };
}

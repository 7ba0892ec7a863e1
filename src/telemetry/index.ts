/**
 * Telemetry: Prometheus metrics (a small registry and its `/metrics` endpoint), OpenTelemetry
 * tracing with W3C trace context, and the names of Aloft's metrics. Imports only `support`;
 * hosts, providers and reconcilers plug it in. The door of `src/telemetry`.
 */
export { TelemetryCodes, TelemetryError } from './errors.ts';
export {
  createRegistry,
  LATENCY_BUCKETS,
  OVERFLOW_LABEL_VALUE,
  type Counter,
  type CounterSeries,
  type Gauge,
  type GaugeSeries,
  type Histogram,
  type HistogramSeries,
  type Labels,
  type MetricsRegistry,
} from './metrics/registry.ts';
export { EXPOSITION_CONTENT_TYPE } from './metrics/exposition.ts';
export { startMetricsServer, parseMetricsAddress, type MetricsServer } from './metrics/server.ts';
export {
  invocationMetrics,
  providerMetrics,
  capabilityMetrics,
  heartbeatMetrics,
  heartbeatsSentMetric,
  natsMetrics,
  countNatsStatus,
  reconcilerMetrics,
  infoMetric,
  processMetrics,
  type InvocationMetrics,
  type ProviderMetrics,
  type HeartbeatMetrics,
  type NatsMetrics,
  type ReconcilerMetrics,
} from './metrics/catalog.ts';
export {
  tracingConfig,
  TRACING_DISABLED,
  SAMPLERS,
  type SamplerName,
  type TracingConfig,
  type TracingFlags,
} from './tracing/config.ts';
export {
  parseTraceparent,
  readTraceContext,
  traceHeaders,
  TRACE_HEADERS,
  type TraceContext,
} from './tracing/context.ts';
export {
  createTracing,
  noopTracing,
  type ActiveSpan,
  type SpanAttributes,
  type SpanKind,
  type SpanStart,
  type Tracing,
} from './tracing/tracing.ts';
export { HEALTH_PATHS, parseHealthPort, startHealthServer, type HealthServer } from './health.ts';

import {
  createTracing,
  readTraceContext,
  tracingConfig,
  type TraceContext,
  type Tracing,
  type TracingConfig,
} from '../telemetry/index.ts';

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** `--metrics-port`, accepted by every long-running process. */
export const metricsOptions = {
  'metrics-port': { type: 'string' },
} as const;

/** Tracing flags of `aloft host`; each overrides its OTEL_* variable. */
export const tracingOptions = {
  'otlp-endpoint': { type: 'string' },
  'service-name': { type: 'string' },
  'trace-sampler': { type: 'string' },
  'trace-sampler-arg': { type: 'string' },
} as const;

export const METRICS_USAGE = '[--metrics-port [HOST:]PORT]';
export const TRACING_USAGE =
  '[--otlp-endpoint URL] [--service-name NAME] [--trace-sampler NAME] [--trace-sampler-arg X]';

/** Where to serve `/metrics`: the flag, else `ALOFT_METRICS_PORT`, else nowhere. */
export function metricsAddress(
  values: Values,
  env: NodeJS.ProcessEnv,
): { metricsAddress?: string; metricsSource?: string } {
  const flag = values['metrics-port'] as string | undefined;
  if (flag !== undefined) return { metricsAddress: flag, metricsSource: '--metrics-port' };
  const fromEnv = env.ALOFT_METRICS_PORT?.trim();
  if (fromEnv) return { metricsAddress: fromEnv, metricsSource: 'ALOFT_METRICS_PORT' };
  return {};
}

/** Tracing from the standard OpenTelemetry variables and the tracing flags. */
export function tracingFromCli(values: Values, env: NodeJS.ProcessEnv): TracingConfig {
  return tracingConfig(env, {
    otlpEndpoint: values['otlp-endpoint'] as string | undefined,
    serviceName: values['service-name'] as string | undefined,
    sampler: values['trace-sampler'] as string | undefined,
    samplerArg: values['trace-sampler-arg'] as string | undefined,
  });
}

/**
 * Tracing for a short CLI command such as `aloft call`: from the standard OTEL_* variables (off
 * without an endpoint, and then the OpenTelemetry SDK is not loaded), `service.name` `aloft-cli`
 * unless configured; the parent is `TRACEPARENT`/`TRACESTATE` when set (OpenTelemetry's way of
 * handing a trace to a process through its environment), so a script's trace continues.
 */
export async function cliTracing(
  env: NodeJS.ProcessEnv,
): Promise<{ tracing: Tracing; parent: TraceContext | undefined }> {
  const tracing = await createTracing(tracingConfig(env), { 'service.name': 'aloft-cli' });
  return { tracing, parent: readTraceContext((name) => env[name.toUpperCase()]) };
}

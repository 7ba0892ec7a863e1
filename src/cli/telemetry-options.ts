import { tracingConfig, type TracingConfig } from '../telemetry/index.ts';

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

import { AloftError } from '../support/index.ts';

/** Stable codes of telemetry errors. */
export const TelemetryCodes = {
  /** A metric or label name breaks the Prometheus naming rules, or a metric is defined twice. */
  METRIC_INVALID: 'METRIC_INVALID',
  /** The metrics endpoint could not listen (port in use, bad address). */
  METRICS_LISTEN_FAILED: 'METRICS_LISTEN_FAILED',
  /** Tracing configuration (flags or OTEL_* variables) is not understood. */
  TELEMETRY_CONFIG_INVALID: 'TELEMETRY_CONFIG_INVALID',
} as const;

/** A telemetry failure: misconfiguration is terminal (the same input fails the same way). */
export class TelemetryError extends AloftError {
  override name = 'TelemetryError';
}

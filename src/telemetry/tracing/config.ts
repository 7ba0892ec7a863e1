import { TelemetryCodes, TelemetryError } from '../errors.ts';

/** The samplers of the OpenTelemetry specification (`OTEL_TRACES_SAMPLER`). */
export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** Where and how to export traces; `enabled: false` means nothing is recorded or exported. */
export interface TracingConfig {
  enabled: boolean;
  /** The full OTLP/HTTP traces URL (`…/v1/traces`). */
  endpoint: string | undefined;
  /** Extra HTTP headers for the exporter (`OTEL_EXPORTER_OTLP_HEADERS`), e.g. an API key. */
  headers: Record<string, string>;
  /** `service.name`, when configured; each process kind has its own default. */
  serviceName: string | undefined;
  /** Extra resource attributes (`OTEL_RESOURCE_ATTRIBUTES`). */
  resource: Record<string, string>;
  sampler: SamplerName;
  /** Sampling probability for the ratio samplers, 0–1. */
  ratio: number;
  /** Milliseconds between batch exports (`OTEL_BSP_SCHEDULE_DELAY`). */
  exportDelayMs: number;
  /** Spans kept waiting for export before new ones are dropped (`OTEL_BSP_MAX_QUEUE_SIZE`). */
  maxQueueSize: number;
}

/** Tracing flags of `aloft host` (each overrides its variable). */
export interface TracingFlags {
  otlpEndpoint?: string | undefined;
  serviceName?: string | undefined;
  sampler?: string | undefined;
  samplerArg?: string | undefined;
}

export const TRACING_DISABLED: TracingConfig = {
  enabled: false,
  endpoint: undefined,
  headers: {},
  serviceName: undefined,
  resource: {},
  sampler: 'parentbased_always_on',
  ratio: 1,
  exportDelayMs: 5000,
  maxQueueSize: 2048,
};

const invalid = (what: string, hint?: string): TelemetryError =>
  new TelemetryError(TelemetryCodes.TELEMETRY_CONFIG_INVALID, what, hint ? { hint } : {});

/** `k1=v1,k2=v2` with percent-encoded values (the OTEL_* list syntax). */
function parseList(value: string | undefined, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '').split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!key) throw invalid(`${source}: ${JSON.stringify(part)} is not key=value`);
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw invalid(`${source}: the value of ${key} is not valid percent-encoding`);
    }
  }
  return out;
}

function httpUrl(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${source} ${JSON.stringify(value)} is not a URL`, 'e.g. http://localhost:4318');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(
      `${source} ${JSON.stringify(value)} must be an http:// or https:// URL (OTLP/HTTP)`,
      'OTLP/HTTP listens on port 4318 by default; gRPC (4317) is not supported',
    );
  }
  return url;
}

function positiveInt(value: string | undefined, source: string, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw invalid(`${source}=${value} is not a positive integer`);
  return n;
}

/**
 * Tracing configuration from the standard OpenTelemetry variables and Aloft's flags (a flag wins
 * over its variable). Tracing is on when an OTLP endpoint is configured and not switched off
 * (`OTEL_SDK_DISABLED=true`, `OTEL_TRACES_EXPORTER=none`).
 *
 * @throws {TelemetryError} `TELEMETRY_CONFIG_INVALID` naming the variable or flag that is wrong.
 * @example
 * tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }, {}).endpoint;
 * // 'http://jaeger:4318/v1/traces'
 */
export function tracingConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: TracingFlags = {},
): TracingConfig {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter && exporter !== 'otlp' && exporter !== 'none') {
    throw invalid(
      `OTEL_TRACES_EXPORTER=${exporter} is not supported: Aloft exports traces with OTLP/HTTP`,
      'use otlp (the default) or none',
    );
  }
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL
  )?.trim();
  if (protocol && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    throw invalid(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: Aloft exports OTLP over HTTP (JSON)`,
      "use http/json or http/protobuf and the collector's HTTP port (4318)",
    );
  }

  let endpoint: string | undefined;
  if (flags.otlpEndpoint !== undefined) {
    const url = httpUrl(flags.otlpEndpoint, '--otlp-endpoint');
    endpoint = /\/v1\/traces\/?$/.test(url.pathname) ? url.href : signalUrl(url);
  } else if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    endpoint = httpUrl(
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    ).href;
  } else if (env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    endpoint = signalUrl(httpUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT'));
  }
  const switchedOff =
    flags.otlpEndpoint === undefined &&
    (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || exporter === 'none');

  const samplerSource = flags.sampler !== undefined ? '--trace-sampler' : 'OTEL_TRACES_SAMPLER';
  const samplerRaw = (flags.sampler ?? env.OTEL_TRACES_SAMPLER)?.trim() || 'parentbased_always_on';
  if (!(SAMPLERS as readonly string[]).includes(samplerRaw)) {
    throw invalid(
      `${samplerSource} ${JSON.stringify(samplerRaw)} is not a sampler`,
      `one of ${SAMPLERS.join(', ')}`,
    );
  }
  const sampler = samplerRaw as SamplerName;
  const argSource =
    flags.samplerArg !== undefined ? '--trace-sampler-arg' : 'OTEL_TRACES_SAMPLER_ARG';
  const argRaw = (flags.samplerArg ?? env.OTEL_TRACES_SAMPLER_ARG)?.trim();
  let ratio = 1;
  if (argRaw && sampler.endsWith('traceidratio')) {
    ratio = Number(argRaw);
    if (!(ratio >= 0 && ratio <= 1)) {
      throw invalid(`${argSource}=${argRaw} is not a probability between 0 and 1`);
    }
  }

  const resource = parseList(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES');
  const serviceName =
    flags.serviceName?.trim() || env.OTEL_SERVICE_NAME?.trim() || resource['service.name'];
  return {
    enabled: endpoint !== undefined && !switchedOff,
    endpoint,
    headers: {
      ...parseList(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...parseList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    },
    serviceName: serviceName || undefined,
    resource,
    sampler,
    ratio,
    exportDelayMs: positiveInt(env.OTEL_BSP_SCHEDULE_DELAY, 'OTEL_BSP_SCHEDULE_DELAY', 5000),
    maxQueueSize: positiveInt(env.OTEL_BSP_MAX_QUEUE_SIZE, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048),
  };
}

/** The base endpoint plus `v1/traces`, as the specification defines for OTEL_EXPORTER_OTLP_ENDPOINT. */
function signalUrl(base: URL): string {
  const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return new URL(`${path}v1/traces${base.search}`, base).href;
}

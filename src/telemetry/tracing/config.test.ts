import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TelemetryError } from '../errors.ts';
import { tracingConfig } from './config.ts';
import { parseTraceparent, readTraceContext, traceHeaders } from './context.ts';
import { createTracing, noopTracing } from './tracing.ts';

const refuses = (fn: () => unknown, what: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof TelemetryError && what.test(e.message));

describe('tracing configuration from OTEL_* variables and flags', () => {
  it('is off without an endpoint, and on with one', () => {
    assert.equal(tracingConfig({}).enabled, false);
    const on = tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' });
    assert.equal(on.enabled, true);
    assert.equal(on.endpoint, 'http://jaeger:4318/v1/traces');
    assert.equal(on.sampler, 'parentbased_always_on');
  });

  it('appends v1/traces to the base endpoint; the traces endpoint and a full flag URL are used as given', () => {
    const base = tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/tempo/' });
    assert.equal(base.endpoint, 'https://otlp.example.com/tempo/v1/traces');
    const traces = tracingConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom',
    });
    assert.equal(traces.endpoint, 'http://collector:4318/custom');
    const flag = tracingConfig(
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env:4318/x' },
      { otlpEndpoint: 'http://flag:4318/v1/traces' },
    );
    assert.equal(flag.endpoint, 'http://flag:4318/v1/traces');
  });

  it('is switched off by OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none unless a flag asks for it', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' };
    assert.equal(tracingConfig(env).enabled, false);
    assert.equal(tracingConfig({ ...env, OTEL_SDK_DISABLED: 'false' }).enabled, true);
    assert.equal(
      tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })
        .enabled,
      false,
    );
    assert.equal(tracingConfig(env, { otlpEndpoint: 'http://c:4318' }).enabled, true);
  });

  it('reads sampler, ratio, service name, resource attributes, headers and batch delay; flags win', () => {
    const c = tracingConfig(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_TRACES_SAMPLER: 'always_off',
        OTEL_SERVICE_NAME: 'payments',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=core%20banking',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cret',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      { sampler: 'parentbased_traceidratio', samplerArg: '0.25' },
    );
    assert.equal(c.sampler, 'parentbased_traceidratio');
    assert.equal(c.ratio, 0.25);
    assert.equal(c.serviceName, 'payments');
    assert.deepEqual(c.resource, { 'deployment.environment': 'prod', team: 'core banking' });
    assert.deepEqual(c.headers, { 'x-api-key': 's3cret' });
    assert.equal(c.exportDelayMs, 200);
    assert.equal(tracingConfig({}, { serviceName: 'edge' }).serviceName, 'edge');
  });

  it('names the variable or flag that is wrong', () => {
    refuses(
      () => tracingConfig({ OTEL_TRACES_SAMPLER: 'sometimes' }),
      /OTEL_TRACES_SAMPLER "sometimes"/,
    );
    refuses(() => tracingConfig({}, { sampler: 'nope' }), /--trace-sampler "nope"/);
    refuses(
      () => tracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }),
      /OTEL_TRACES_SAMPLER_ARG=2 is not a probability/,
    );
    refuses(
      () => tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' }),
      /OTEL_EXPORTER_OTLP_ENDPOINT "jaeger:4318" must be an http/,
    );
    refuses(
      () => tracingConfig({}, { otlpEndpoint: 'not a url' }),
      /--otlp-endpoint "not a url" is not a URL/,
    );
    refuses(
      () => tracingConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
      /OTEL_EXPORTER_OTLP_PROTOCOL=grpc/,
    );
    refuses(() => tracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }), /OTEL_TRACES_EXPORTER=zipkin/);
    refuses(
      () => tracingConfig({ OTEL_RESOURCE_ATTRIBUTES: 'novalue' }),
      /OTEL_RESOURCE_ATTRIBUTES/,
    );
    refuses(() => tracingConfig({ OTEL_BSP_SCHEDULE_DELAY: '-5' }), /OTEL_BSP_SCHEDULE_DELAY=-5/);
  });
});

describe('W3C trace context', () => {
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('parses a valid traceparent and refuses malformed or all-zero ones', () => {
    assert.deepEqual(parseTraceparent(tp), {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    assert.equal(parseTraceparent(tp.replace(/-01$/, '-00'))?.sampled, false);
    for (const bad of [
      '',
      'garbage',
      tp.toUpperCase(),
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      `${tp}-extra`,
    ]) {
      assert.equal(parseTraceparent(bad), undefined, bad);
    }
    // A future version may append fields.
    assert.ok(parseTraceparent(`01-${tp.slice(3)}-future`));
  });

  it('reads context from any header source and writes it back as headers', () => {
    const headers = new Map([
      ['traceparent', tp],
      ['tracestate', 'vendor=x'],
    ]);
    const ctx = readTraceContext((k) => headers.get(k));
    assert.deepEqual(ctx, { traceparent: tp, tracestate: 'vendor=x' });
    assert.deepEqual(traceHeaders(ctx), { traceparent: tp, tracestate: 'vendor=x' });
    assert.equal(
      readTraceContext(() => 'junk'),
      undefined,
    );
    assert.deepEqual(traceHeaders(undefined), {});
  });

  it('with tracing off, spans record nothing and pass an incoming context on unchanged', async () => {
    const off = await createTracing(tracingConfig({}), {});
    assert.equal(off, noopTracing);
    assert.equal(off.startSpan('x').context, undefined);
    assert.deepEqual(off.startSpan('x', { parent: { traceparent: tp } }).context, {
      traceparent: tp,
    });
  });
});

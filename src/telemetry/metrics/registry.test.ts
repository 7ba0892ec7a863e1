import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertHistogramConsistent, parseExposition } from '../../../test/support/prometheus.ts';
import { TelemetryError } from '../errors.ts';
import { formatValue } from './exposition.ts';
import { createRegistry, OVERFLOW_LABEL_VALUE } from './registry.ts';

describe('metrics registry: Prometheus text format 0.0.4', () => {
  it('renders HELP and TYPE once per family, escaped labels, cumulative buckets, _sum and _count', () => {
    const r = createRegistry();
    const calls = r.counter({
      name: 'calls_total',
      help: 'Calls made.\nPer "component", with a \\ in it.',
      labels: ['component', 'outcome'],
    });
    calls.inc({ component: 'echo', outcome: 'ok' });
    calls.inc({ component: 'echo', outcome: 'ok' }, 2);
    calls.inc({ component: 'a"b\\c\nd', outcome: 'error' });
    const up = r.gauge({ name: 'up', help: 'Up.' });
    up.with({}).set(3);
    up.with({}).dec();
    const lat = r.histogram({
      name: 'latency_seconds',
      help: 'Latency.',
      labels: ['op'],
      buckets: [1, 0.1],
    });
    for (const v of [0.05, 0.1, 0.5, 5]) lat.observe({ op: 'get' }, v);
    assert.equal(
      r.render(),
      [
        '# HELP calls_total Calls made.\\nPer "component", with a \\\\ in it.',
        '# TYPE calls_total counter',
        'calls_total{component="echo",outcome="ok"} 3',
        'calls_total{component="a\\"b\\\\c\\nd",outcome="error"} 1',
        '# HELP up Up.',
        '# TYPE up gauge',
        'up 2',
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{op="get",le="0.1"} 2',
        'latency_seconds_bucket{op="get",le="1"} 3',
        'latency_seconds_bucket{op="get",le="+Inf"} 4',
        'latency_seconds_sum{op="get"} 5.65',
        'latency_seconds_count{op="get"} 4',
        '',
      ].join('\n'),
    );
  });

  it('an unlabelled counter or histogram exists at zero before its first use', () => {
    const r = createRegistry();
    r.counter({ name: 'beats_total', help: 'Beats.' });
    r.histogram({ name: 'round_seconds', help: 'Rounds.', buckets: [1] });
    const scrape = parseExposition(r.render());
    assert.equal(scrape.value('beats_total'), 0);
    assert.equal(scrape.value('round_seconds_bucket', { le: '+Inf' }), 0);
    assert.equal(scrape.value('round_seconds_count'), 0);
  });

  it('formats special values as Prometheus spells them', () => {
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(1e-7), '1e-7');
    assert.equal(formatValue(42), '42');
  });

  it('refuses invalid names, reserved labels, duplicates, missing or unknown labels, and counters going down', () => {
    const r = createRegistry();
    const refuses = (fn: () => unknown, what: RegExp): void =>
      assert.throws(fn, (e: unknown) => e instanceof TelemetryError && what.test(e.message));
    refuses(() => r.counter({ name: '1bad', help: '' }), /not a valid metric name/);
    refuses(() => r.counter({ name: 'x_total', help: '', labels: ['__x'] }), /not a valid label/);
    refuses(() => r.counter({ name: 'y_total', help: '', labels: ['a-b'] }), /not a valid label/);
    refuses(() => r.histogram({ name: 'h', help: '', labels: ['le'] }), /label le is reserved/);
    r.counter({ name: 'c_total', help: '' });
    refuses(() => r.counter({ name: 'c_total', help: '' }), /defined twice/);
    const c = r.counter({ name: 'd_total', help: '', labels: ['a', 'b'] });
    refuses(() => c.inc({ a: 'x' } as never), /label b has no value/);
    refuses(() => c.inc({ a: 'x', b: 'y', z: 'w' } as never), /unknown label z/);
    refuses(() => c.inc({ a: 'x', b: 'y' }, -1), /cannot go down/);
  });

  it('folds label sets beyond maxSeries into one overflow series instead of growing without bound', () => {
    const r = createRegistry({ maxSeries: 2 });
    const c = r.counter({ name: 'ops_total', help: 'Ops.', labels: ['op'] });
    for (const op of ['a', 'b', 'c', 'd', 'a']) c.inc({ op });
    const scrape = parseExposition(r.render());
    assert.equal(scrape.value('ops_total', { op: 'a' }), 2);
    assert.equal(scrape.value('ops_total', { op: 'b' }), 1);
    assert.equal(scrape.value('ops_total', { op: OVERFLOW_LABEL_VALUE }), 2);
    assert.equal(scrape.samples('ops_total').length, 3);
  });

  it('reads collected metrics at every scrape; a failing collector does not fail the scrape', () => {
    const r = createRegistry();
    let instances = 2;
    r.gauge({
      name: 'instances',
      help: 'Instances.',
      labels: ['component'],
      collect: () => [[{ component: 'echo' }, instances]],
    });
    r.gauge({
      name: 'broken',
      help: 'Broken.',
      collect: () => {
        throw new Error('boom');
      },
    });
    r.counter({ name: 'after_total', help: 'After.' }).inc({});
    assert.equal(parseExposition(r.render()).value('instances', { component: 'echo' }), 2);
    instances = 5;
    const scrape = parseExposition(r.render());
    assert.equal(scrape.value('instances', { component: 'echo' }), 5);
    assert.equal(scrape.samples('broken').length, 0);
    assert.equal(scrape.value('after_total'), 1);
  });

  it('any label value survives rendering and strict parsing unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary-ascii', maxLength: 20 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (values) => {
          const r = createRegistry();
          const g = r.gauge({ name: 'g', help: 'G.', labels: ['v'] });
          const distinct = [...new Set([...values, 'é ✓ \u{1F600}'])];
          distinct.forEach((v, i) => g.set({ v }, i));
          const scrape = parseExposition(r.render());
          distinct.forEach((v, i) => assert.equal(scrape.value('g', { v }), i));
        },
      ),
    );
  });

  it('histograms stay consistent for any observations: cumulative buckets, +Inf = count, exact sum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { maxLength: 50 }),
        fc.uniqueArray(fc.double({ min: 0.001, max: 10, noNaN: true }), {
          minLength: 1,
          maxLength: 6,
        }),
        (observations, buckets) => {
          const r = createRegistry();
          const h = r.histogram({ name: 'h_seconds', help: 'H.', labels: ['k'], buckets });
          for (const v of observations) h.observe({ k: 'x' }, v);
          const scrape = parseExposition(r.render());
          if (observations.length > 0) assertHistogramConsistent(scrape, 'h_seconds');
          const count = observations.length > 0 ? scrape.value('h_seconds_count', { k: 'x' }) : 0;
          assert.equal(count, observations.length);
          if (observations.length > 0) {
            const sum = observations.reduce((a, b) => a + b, 0);
            assert.equal(scrape.value('h_seconds_sum', { k: 'x' }), sum);
          }
          for (const b of buckets) {
            const inBucket = observations.filter((v) => v <= b).length;
            if (observations.length > 0) {
              assert.equal(
                scrape.value('h_seconds_bucket', { k: 'x', le: formatValue(b) }),
                inBucket,
              );
            }
          }
        },
      ),
    );
  });
});

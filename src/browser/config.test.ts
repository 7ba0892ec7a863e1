import assert from 'node:assert/strict';
import { it } from 'node:test';
import { JoinConfig, labelsFromQuery } from './config.ts';

it('labels from the query string join the built-in runtime=browser', () => {
  assert.deepEqual(labelsFromQuery('?cloud=aws&zone=b%20c'), {
    ok: true,
    labels: { runtime: 'browser', cloud: 'aws', zone: 'b c' },
  });
  assert.deepEqual(labelsFromQuery(''), { ok: true, labels: { runtime: 'browser' } });
  assert.deepEqual(labelsFromQuery('?flag'), {
    ok: true,
    labels: { runtime: 'browser', flag: '' },
  });
});

it('refuses a built-in key, a repeated key, an empty key and oversized labels, naming each', () => {
  const r = labelsFromQuery(
    `?runtime=node&cloud=a&cloud=b&=x&${'k'.repeat(129)}=1&v=${'x'.repeat(257)}`,
  );
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  const expected = [
    /^label "runtime" is set by the host itself \(runtime=browser\)/,
    /^label "cloud" is given more than once$/,
    /^a label has an empty name/,
    /^label "k{40}": Invalid key in record \(names up to 128 characters/,
    /^label "v": Too big: expected string to have <=256 characters/,
  ];
  assert.equal(r.problems.length, expected.length, r.problems.join('\n'));
  r.problems.forEach((p, i) => assert.match(p, expected[i] ?? /^$/));
});

it('the page config needs WebSocket URLs and fills defaults', () => {
  const ok = JoinConfig.parse({ lattice: 'l', servers: ['ws://127.0.0.1:1'], workerUrl: '/w.js' });
  assert.equal(ok.heartbeatMs, 1000);
  assert.deepEqual(ok.artifactSources, ['store', 'http']);
  const bad = JoinConfig.safeParse({ lattice: 'l', servers: ['nats://h:4222'], workerUrl: '/w' });
  assert.equal(bad.success, false);
  assert.match(bad.error?.issues[0]?.message ?? '', /ws:\/\/ or wss:\/\//);
});

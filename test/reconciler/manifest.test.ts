import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as yamlParse, stringify } from 'yaml';
import { isAloftError } from '../../src/support/index.ts';
import {
  checkImageRef,
  formatProblem,
  loadManifest,
  parseManifest,
  ManifestError,
} from '../../src/reconciler/index.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'manifests');
const read = (dir: string, f: string): string => readFileSync(join(fixtures, dir, f), 'utf8');

describe('parseManifest: malformed manifests', () => {
  const expected = JSON.parse(read('bad', 'expected.json')) as Record<
    string,
    { errors: string[]; warnings?: string[] }
  >;
  const files = readdirSync(join(fixtures, 'bad')).filter((f) => f !== 'expected.json');

  it('has at least 20 realistic mistakes, each with its expected messages', () => {
    assert.ok(files.length >= 20, `${files.length} fixtures`);
    assert.deepEqual(files.sort(), Object.keys(expected).sort());
  });

  for (const file of files.sort()) {
    it(`${file}: ${expected[file]?.errors[0]?.split(': ').slice(1).join(': ') ?? '?'}`, () => {
      const r = parseManifest(read('bad', file), file);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.deepEqual(r.errors.map(formatProblem), expected[file]?.errors);
      assert.deepEqual(r.warnings.map(formatProblem), expected[file]?.warnings ?? []);
      for (const p of r.errors) {
        assert.ok(p.line >= 1 && p.column >= 1, 'every error has a position');
      }
    });
  }

  it('reports every problem in a file, not just the first', () => {
    const r = parseManifest(read('bad', '33-many-mistakes.yaml'), 'app.yaml');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.errors.length, 3);
  });

  it('loadManifest throws a MANIFEST_INVALID error listing each problem on its own line', () => {
    assert.throws(
      () => loadManifest(read('bad', '01-instances-word.yaml'), 'app.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof ManifestError);
        assert.ok(isAloftError(err, 'MANIFEST_INVALID'));
        assert.match(
          err.message,
          /app\.yaml:16:24 spec\.components\[0\]\.traits\[0\]\.properties\.instances: expected a positive integer, got "three"/,
        );
        assert.equal(err.retryable, false);
        return true;
      },
    );
  });
});

describe('parseManifest: valid wadm manifests', () => {
  for (const file of readdirSync(join(fixtures, 'good'))) {
    it(`accepts ${file} without errors or warnings`, () => {
      const r = parseManifest(read('good', file), file);
      assert.deepEqual(r.ok ? [] : r.errors.map(formatProblem), []);
      assert.deepEqual(r.warnings.map(formatProblem), []);
    });
  }

  it('normalises the kv-counter: spreads, weights, replicas alias, fallback, links and limits', () => {
    const { manifest } = loadManifest(read('good', 'kv-counter.yaml'), 'kv-counter.yaml');
    assert.equal(manifest.name, 'kv-counter');
    assert.equal(manifest.version, 'v0.3.1');
    const [counter, kvredis, http] = manifest.components;
    assert.deepEqual(counter?.scaler, {
      kind: 'spread',
      instances: 6,
      spreads: [
        { name: 'aws', requirements: { cloud: 'aws' }, weight: 50, fallback: 'any' },
        { name: 'gcp', requirements: { cloud: 'gcp' }, weight: 50, fallback: 'any' },
      ],
    });
    assert.deepEqual(counter?.limits, { memoryMiB: 64, deadlineMs: 2000 });
    assert.deepEqual(counter?.idempotent, ['get']);
    assert.deepEqual(counter?.config, [
      { name: 'counter-settings', properties: { bucket: 'counts' } },
    ]);
    assert.deepEqual(counter?.links, [
      {
        target: 'kvredis',
        namespace: 'wasi',
        package: 'keyvalue',
        interfaces: ['atomics', 'store'],
        name: 'default',
        targetConfig: [{ name: 'redis-url', properties: { url: 'redis://127.0.0.1:6379' } }],
        sourceConfig: [],
      },
    ]);
    assert.equal(kvredis?.kind, 'capability');
    assert.deepEqual(kvredis?.scaler?.spreads, [
      { name: 'on-prem', requirements: { zone: 'dc1' }, weight: 100, fallback: 'none' },
    ]);
    assert.equal(kvredis?.scaler?.instances, 2);
    assert.equal(http?.scaler?.kind, 'daemon');
    assert.equal(http?.links[0]?.target, 'counter', 'a bare string target is accepted');
  });

  it('reads JSON and YAML of the same manifest alike', () => {
    const yamlText = read('good', 'kv-counter.yaml');
    const { manifest } = loadManifest(yamlText, 'a.yaml');
    const asJson = JSON.stringify(yamlParse(yamlText));
    assert.deepEqual(loadManifest(asJson, 'a.json').manifest, manifest);
  });
});

describe('parseManifest: warnings', () => {
  const base = {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: 'w', annotations: { version: '1' } },
    spec: {
      components: [
        {
          name: 'a',
          type: 'component',
          properties: { image: 'ghcr.io/x/a', 'aloft.dev/retries': 3, secrets: [] },
          traits: [{ type: 'spreadscaler', properties: { instances: 1 }, note: 'x' }],
        },
        { name: 'b', type: 'component', properties: { image: './build/b.wasm' } },
      ],
    },
  };

  it('warns (without failing) on unknown fields, extensions, unpinned images, secrets and unplaced components', () => {
    const r = parseManifest(stringify(base), 'w.yaml');
    assert.equal(r.ok, true);
    assert.deepEqual(r.warnings.map(formatProblem), [
      'w.yaml:12:16 spec.components[0].properties.image: warning: no tag or digest: this pulls ":latest", which changes under you; pin a version',
      'w.yaml:13:9 spec.components[0].properties.aloft.dev/retries: warning: unknown Aloft extension "aloft.dev/retries" (ignored)',
      'w.yaml:14:18 spec.components[0].properties.secrets: warning: secrets are not supported by Aloft yet and are ignored',
      'w.yaml:19:11 spec.components[0].traits[0].note: warning: unknown field "note" (ignored)',
      'w.yaml:20:7 spec.components[1]: warning: no spreadscaler or daemonscaler: this component is declared but never placed',
    ]);
  });

  it('warns when the version is not pinned', () => {
    const r = parseManifest(stringify({ ...base, metadata: { name: 'w' } }), 'w.yaml');
    assert.ok(r.warnings.some((w) => w.message.startsWith('no annotations.version')));
  });
});

describe('checkImageRef', () => {
  it('accepts OCI references, paths, URLs and content addresses', () => {
    for (const ref of [
      'ghcr.io/wasmcloud/http-server:0.23.2',
      'localhost:5000/hello:1',
      'docker.io/library/hello@sha256:' + 'a'.repeat(64),
      'hello-world:1.0',
      './build/x.wasm',
      '/abs/x.wasm',
      'file:///abs/x.wasm',
      'https://example.com/x.wasm',
      'sha256:' + '0'.repeat(64),
    ]) {
      assert.equal(checkImageRef(ref).ok, true, ref);
    }
  });

  it('refuses what no fetcher could resolve, saying why', () => {
    const reason = (ref: string): string => {
      const r = checkImageRef(ref);
      return r.ok ? 'ok' : r.reason;
    };
    assert.match(reason('ghcr.io/Org/x:1'), /lower-case/);
    assert.match(reason('sha256:abc'), /64 lower-case hex/);
    assert.match(reason('s3://bucket/x.wasm'), /scheme "s3:\/\/"/);
    assert.match(reason('ghcr.io/x/y:'), /tag after ":" is empty/);
    assert.match(reason('x y'), /whitespace/);
  });
});

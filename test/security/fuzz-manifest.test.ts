// Issue 8 acceptance: the manifest parser is fuzzed (property-based, bounded in time) and never
// crashes, hangs or accepts what it cannot read: random text, mutations of good manifests,
// random shapes in the manifest's place, and resource attacks (alias bombs, deep nesting, huge
// input) all end in a positioned error or a valid manifest, each within a time bound.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { formatProblem, parseManifest } from '../../src/reconciler/index.ts';

const good = ['hello-world.yaml', 'kv-counter.yaml', 'edge-daemon.json'].map((f) => ({
  file: f,
  text: readFileSync(join(import.meta.dirname, '..', 'fixtures', 'manifests', 'good', f), 'utf8'),
}));

/** Parses within `ms`; returns the result after checking the invariants every result keeps. */
function parseChecked(text: string, file: string, ms = 1000) {
  const t0 = performance.now();
  const r = parseManifest(text, file);
  const took = performance.now() - t0;
  assert.ok(took < ms, `parsing took ${took.toFixed(0)} ms`);
  if (r.ok) {
    assert.ok(r.manifest.components.length > 0, 'a valid manifest has components');
    assert.match(
      r.manifest.name,
      /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/,
      'the name is a subject token',
    );
  } else {
    assert.ok(r.errors.length > 0, 'refused without an error');
    for (const p of r.errors) {
      assert.ok(p.line >= 1 && p.column >= 1, `no position: ${formatProblem(p)}`);
      assert.ok(formatProblem(p).startsWith(`${file}:${p.line}:${p.column} `));
    }
  }
  return r;
}

/** A random edit of a text: delete, insert, duplicate or swap lines, re-indent, flip a char. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.nat({ max: 40 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.string({ maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      ': ',
      '- ',
      '\n',
      '  ',
      '"',
      "'",
      '[',
      '{',
      '&a ',
      '*a',
      '!!binary ',
      '\t',
      '---\n',
      '#',
    ),
  }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({
    kind: fc.constant('indent' as const),
    at: fc.nat(),
    by: fc.integer({ min: -4, max: 4 }),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const li = (n: number): number => n % lines.length;
  switch (m.kind) {
    case 'delete': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.len);
    }
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'dup':
      lines.splice(li(m.at), 0, lines[li(m.at)] ?? '');
      return lines.join('\n');
    case 'swap': {
      const [a, b] = [li(m.at), li(m.with)];
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
    case 'indent': {
      const i = li(m.at);
      const l = lines[i] ?? '';
      lines[i] = m.by > 0 ? ' '.repeat(m.by) + l : l.replace(new RegExp(`^ {0,${-m.by}}`), '');
      return lines.join('\n');
    }
  }
}

// Each property stops after its time budget (CI stays bounded) but must have run a minimum.
const budget = (ms: number, min: number) => ({
  numRuns: 100_000,
  interruptAfterTimeLimit: ms,
  markInterruptAsFailure: false,
  min,
});
function bounded<T>(
  arb: fc.Arbitrary<T>,
  check: (v: T) => void,
  b: ReturnType<typeof budget>,
): void {
  let runs = 0;
  fc.assert(
    fc.property(arb, (v) => {
      runs++;
      check(v);
    }),
    {
      numRuns: b.numRuns,
      interruptAfterTimeLimit: b.interruptAfterTimeLimit,
      markInterruptAsFailure: false,
    },
  );
  assert.ok(runs >= b.min, `only ${runs} runs in the time budget`);
}

describe('manifest parser fuzzing', { timeout: 60_000 }, () => {
  it('random text (YAML and JSON) never throws or hangs', () => {
    bounded(
      fc.tuple(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.json()),
        fc.constantFrom('a.yaml', 'a.json'),
      ),
      ([text, file]) => void parseChecked(text, file),
      budget(3000, 200),
    );
  });

  it('mutations of good manifests: a positioned error or a manifest that still validates', () => {
    bounded(
      fc.tuple(fc.constantFrom(...good), fc.array(mutation, { minLength: 1, maxLength: 6 })),
      ([g, ms]) => void parseChecked(ms.reduce(apply, g.text), g.file),
      budget(6000, 200),
    );
  });

  it('random shapes in place of fields never throw', async () => {
    const base = parseChecked(good[1]?.text ?? '', 'kv-counter.yaml');
    assert.ok(base.ok);
    const doc = (await import('yaml')).parse(good[1]?.text ?? '') as Record<string, unknown>;
    bounded(
      fc.tuple(
        fc.array(
          fc.constantFrom(
            'apiVersion',
            'kind',
            'metadata',
            'spec',
            'components',
            '0',
            'properties',
            'traits',
            'type',
            'image',
            'spread',
            'weight',
            'instances',
            'target',
            'config',
            'name',
            'aloft.dev/limits',
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.anything({ maxDepth: 3 }),
      ),
      ([path, value]) => {
        const copy = structuredClone(doc);
        let node: Record<string, unknown> = copy;
        for (const step of path.slice(0, -1)) {
          const next = node[step];
          if (!next || typeof next !== 'object') break;
          node = next as Record<string, unknown>;
        }
        node[path.at(-1) ?? 'spec'] = value;
        let text: string;
        try {
          text = stringify(copy);
        } catch {
          return; // a value YAML cannot write (e.g. a symbol key): not a manifest anyone can send
        }
        parseChecked(text, 'shape.yaml');
      },
      budget(5000, 150),
    );
  });

  it('resource attacks: alias bombs, deep nesting, huge and odd input end in an error, fast', () => {
    const laughs =
      'a: &a ["x","x","x","x","x","x","x","x","x"]\n' +
      ['b', 'c', 'd', 'e', 'f', 'g']
        .map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`)
        .join('\n');
    const cases: [string, string, RegExp][] = [
      ['laughs.yaml', laughs, /cannot be read: Excessive alias count/],
      ['deep.yaml', '['.repeat(200_000), /nested more than 64 levels/],
      ['deep.json', '{"a":'.repeat(200_000), /nested more than 64 levels/],
      [
        'indent.yaml',
        Array.from({ length: 400 }, (_, i) => ' '.repeat(i) + 'a:').join('\n'),
        /indented more than 256 spaces/,
      ],
      ['huge.yaml', `a: ${'x'.repeat(2_000_000)}`, /the limit is 1048576/],
      ['nul.yaml', '\u0000apiVersion: core.oam.dev/v1beta1\n', /./],
      ['bom.yaml', '\uFEFF' + (good[0]?.text ?? ''), /./],
    ];
    for (const [file, text, message] of cases) {
      const r = parseChecked(text, file, 500);
      if (file === 'bom.yaml') continue; // a byte-order mark may be read fine
      assert.equal(r.ok, false, file);
      if (!r.ok) assert.match(r.errors[0]?.message ?? '', message, file);
    }
  });
});

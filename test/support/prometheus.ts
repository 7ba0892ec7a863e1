/**
 * A strict reader of the Prometheus text format (0.0.4) for tests: it rejects what Prometheus
 * would reject (a sample before its TYPE, a malformed label, a bad number), so that tests
 * scraping Aloft's endpoints also check the format.
 */
import assert from 'node:assert/strict';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

export interface Scrape {
  families: Map<string, Family>;
  /** The value of the sample with exactly these labels, or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Samples of `name` whose labels include `match`. */
  samples(name: string, match?: Record<string, string>): Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseNumber(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  assert.match(text, /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, `bad value in: ${line}`);
  return Number(text);
}

function parseLabels(text: string, line: string): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  for (;;) {
    if (text[i] === '}') return [labels, text.slice(i + 1)];
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    assert.ok(m, `bad label name in: ${line}`);
    const name = m[0];
    i += name.length;
    assert.equal(text.slice(i, i + 2), '="', `bad label syntax in: ${line}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      assert.ok(c !== undefined && c !== '\n', `unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        assert.ok(next === '\\' || next === '"' || next === 'n', `bad escape in: ${line}`);
        value += next === 'n' ? '\n' : next;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++; // closing quote
    assert.ok(!(name in labels), `label ${name} twice in: ${line}`);
    labels[name] = value;
    if (text[i] === ',') i++;
  }
}

/** Parses a scrape; throws (an assertion) on anything Prometheus would refuse. */
export function parseExposition(text: string): Scrape {
  const families = new Map<string, Family>();
  const familyOf = (sample: string): Family | undefined => {
    const direct = families.get(sample);
    if (direct) return direct;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (!sample.endsWith(suffix)) continue;
      const f = families.get(sample.slice(0, -suffix.length));
      if (f && (f.type === 'histogram' || f.type === 'summary')) return f;
    }
    return undefined;
  };
  assert.ok(text === '' || text.endsWith('\n'), 'the exposition must end with a line feed');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      let f = families.get(name);
      if (!f) families.set(name, (f = { name, type: 'untyped', help: '', samples: [] }));
      if (kind === 'TYPE') {
        assert.ok(f.samples.length === 0, `TYPE after samples for ${name}`);
        assert.match(rest, /^(counter|gauge|histogram|summary|untyped)$/, `bad TYPE: ${line}`);
        f.type = rest;
      } else {
        f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      continue;
    }
    const name = NAME.exec(line)?.[0];
    assert.ok(name, `bad sample line: ${line}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) [labels, rest] = parseLabels(rest, line);
    const parts = rest.trim().split(/\s+/);
    assert.ok(rest.startsWith(' ') && parts.length >= 1 && parts.length <= 2, `bad: ${line}`);
    const family = familyOf(name);
    assert.ok(family, `sample ${name} has no TYPE line before it`);
    family.samples.push({ name, labels, value: parseNumber(parts[0] ?? '', line) });
  }
  const includes = (labels: Record<string, string>, match: Record<string, string>): boolean =>
    Object.entries(match).every(([k, v]) => labels[k] === v);
  const all = (name: string): Sample[] =>
    familyOf(name)?.samples.filter((s) => s.name === name) ?? [];
  return {
    families,
    value: (name, labels = {}) =>
      all(name).find(
        (s) =>
          includes(s.labels, labels) && Object.keys(s.labels).length === Object.keys(labels).length,
      )?.value,
    samples: (name, match = {}) => all(name).filter((s) => includes(s.labels, match)),
  };
}

/**
 * Asserts that every series of histogram `name` is consistent: buckets in ascending `le` order,
 * cumulative counts never decreasing, a `+Inf` bucket equal to `_count`, and a `_sum`.
 */
export function assertHistogramConsistent(scrape: Scrape, name: string): void {
  const family = scrape.families.get(name);
  assert.equal(family?.type, 'histogram', `${name} is not a histogram`);
  const series = new Map<string, Sample[]>();
  for (const s of scrape.samples(`${name}_bucket`)) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, buckets] of series) {
    const labels = JSON.parse(key) as Record<string, string>;
    const les = buckets.map((b) => parseNumber(b.labels.le ?? '', key));
    assert.deepEqual(
      les,
      [...les].sort((a, b) => a - b),
      `${name}${key}: buckets out of order`,
    );
    assert.equal(les.at(-1), Infinity, `${name}${key}: no +Inf bucket`);
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(
        (buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0),
        `${name}${key}: bucket counts are not cumulative`,
      );
    }
    assert.equal(
      buckets.at(-1)?.value,
      scrape.value(`${name}_count`, labels),
      `${name}${key}: +Inf != count`,
    );
    assert.notEqual(scrape.value(`${name}_sum`, labels), undefined, `${name}${key}: no _sum`);
  }
}

/** Fetches and parses a metrics endpoint. */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `scrape of ${url}`);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

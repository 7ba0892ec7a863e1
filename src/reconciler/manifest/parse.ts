import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ManifestError } from '../errors.ts';
import { checkManifest } from './checks.ts';
import { normalize } from './normalize.ts';
import { locate } from './positions.ts';
import { formatPath, type Problem } from './problems.ts';
import { KNOWN_FIELDS, RawManifest } from './schema.ts';
import type { Manifest } from './types.ts';

export type ParseResult =
  | { ok: true; manifest: Manifest; warnings: Problem[] }
  | { ok: false; errors: Problem[]; warnings: Problem[] };

/**
 * Parses and validates a manifest (YAML or JSON) in wadm's OAM shape. Reports every problem, not
 * just the first: errors and warnings (unknown fields, unpinned images) apart, each with
 * `file:line:column` and its field path.
 *
 * @example
 * const r = parseManifest(readFileSync('app.yaml', 'utf8'), 'app.yaml');
 * if (!r.ok) for (const p of r.errors) console.error(formatProblem(p));
 * // app.yaml:14:9 spec.components[1].traits[0].properties.instances: expected a positive integer, got "three"
 */
export function parseManifest(text: string, fileName: string): ParseResult {
  const tooBig = resourceProblem(text, fileName);
  if (tooBig) return { ok: false, errors: [tooBig], warnings: [] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (
    severity: Problem['severity'],
    path: readonly PropertyKey[],
    message: string,
    key = false,
  ): Problem => ({
    severity,
    file: fileName,
    ...locate(doc, lineCounter, path, key),
    path: formatPath(path),
    message,
  });

  if (fileName.endsWith('.json')) {
    const bad = jsonProblem(text, fileName);
    if (bad) return { ok: false, errors: [bad], warnings: [] };
  }
  const syntax = yamlProblems(doc, lineCounter, fileName);
  if (syntax.errors.length > 0) return { ok: false, ...syntax };
  const warnings = [...syntax.warnings];
  const errors: Problem[] = [];

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // The YAML reader refuses alias bombs ("billion laughs") by throwing.
    const why = err instanceof RangeError ? 'it is nested too deeply' : errorText(err);
    return {
      ok: false,
      errors: [at('error', [], `the manifest cannot be read: ${why}`)],
      warnings,
    };
  }
  if (value === null || value === undefined) {
    return { ok: false, errors: [at('error', [], 'the manifest is empty')], warnings };
  }
  const first = RawManifest.safeParse(value, { reportInput: true });
  let raw = first.data;
  if (!first.success) {
    const unknown: z.core.$ZodIssueUnrecognizedKeys[] = [];
    for (const issue of first.error.issues) {
      if (issue.code === 'unrecognized_keys') unknown.push(issue);
      else errors.push(at('error', issue.path, issue.message + quoteHint(issue, doc, text)));
    }
    for (const issue of unknown) {
      for (const key of issue.keys) {
        warnings.push(at('warning', [...issue.path, key], unknownField(key), true));
      }
    }
    if (errors.length > 0) return { ok: false, errors, warnings };
    const stripped = stripKeys(value, unknown);
    const second = RawManifest.safeParse(stripped);
    if (!second.success) {
      // Stripping cannot make a valid shape invalid; report it rather than hide it.
      for (const issue of second.error.issues) errors.push(at('error', issue.path, issue.message));
      return { ok: false, errors, warnings };
    }
    raw = second.data;
  }
  if (raw === undefined)
    return { ok: false, errors: [at('error', [], 'not a manifest')], warnings };

  for (const f of checkManifest(raw)) {
    (f.severity === 'error' ? errors : warnings).push(at(f.severity, f.path, f.message));
  }
  if (errors.length > 0)
    return { ok: false, errors: sortProblems(errors), warnings: sortProblems(warnings) };
  return { ok: true, manifest: normalize(raw), warnings: sortProblems(warnings) };
}

/**
 * Like {@link parseManifest}, but throws.
 * @throws {ManifestError} `MANIFEST_INVALID` listing every error.
 */
export function loadManifest(
  text: string,
  fileName: string,
): { manifest: Manifest; warnings: Problem[] } {
  const r = parseManifest(text, fileName);
  if (!r.ok) throw new ManifestError(fileName, [...r.errors, ...r.warnings]);
  return { manifest: r.manifest, warnings: r.warnings };
}

/** Largest manifest read, and deepest nesting: a manifest is a few KiB and a few levels deep. */
export const MANIFEST_LIMITS = { bytes: 1024 * 1024, depth: 64, indent: 256 } as const;

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unreadable';
}

/**
 * Refuses, before parsing, what would cost the parser more than a manifest ever needs: too many
 * bytes, or nesting (brackets, or indentation) deeper than any manifest has.
 */
function resourceProblem(text: string, file: string): Problem | undefined {
  const problem = (line: number, column: number, message: string): Problem => ({
    severity: 'error',
    file,
    line,
    column,
    path: '',
    message,
  });
  if (text.length > MANIFEST_LIMITS.bytes) {
    return problem(
      1,
      1,
      `the manifest is ${text.length} characters; the limit is ${MANIFEST_LIMITS.bytes}`,
    );
  }
  let depth = 0;
  let line = 1;
  let column = 0;
  let atLineStart = true;
  let indent = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    column++;
    if (ch === '\n') {
      line++;
      column = 0;
      atLineStart = true;
      indent = 0;
      continue;
    }
    if (atLineStart) {
      if (ch === ' ') {
        if (++indent > MANIFEST_LIMITS.indent)
          return problem(line, column, `indented more than ${MANIFEST_LIMITS.indent} spaces`);
        continue;
      }
      atLineStart = false;
    }
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') {
      if (++depth > MANIFEST_LIMITS.depth)
        return problem(line, column, `nested more than ${MANIFEST_LIMITS.depth} levels deep`);
    } else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

function yamlProblems(
  doc: Document,
  lineCounter: LineCounter,
  file: string,
): { errors: Problem[]; warnings: Problem[] } {
  const convert =
    (severity: Problem['severity']) =>
    (e: { pos: [number, number]; message: string; code: string }) => {
      const pos = lineCounter.linePos(e.pos[0]);
      const message =
        e.code === 'DUPLICATE_KEY'
          ? 'this key appears twice in the same map'
          : e.code === 'MULTIPLE_DOCS'
            ? 'a file holds one manifest, but a second document starts here (after ---)'
            : `invalid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0] ?? e.message}`;
      return {
        severity,
        file,
        line: pos.line,
        column: pos.col,
        path: '',
        message,
      } satisfies Problem;
    };
  return {
    errors: doc.errors.map(convert('error')),
    warnings: doc.warnings.map(convert('warning')),
  };
}

/** JSON's own syntax error, positioned (YAML would read most JSON mistakes, but word them oddly). */
function jsonProblem(text: string, file: string): Problem | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const m = / in JSON at position (\d+)/.exec(raw);
    if (!m) return undefined; // no position in the message: the YAML reader's error has one
    const offset = Number(m[1]);
    const before = text.slice(0, offset).split('\n');
    const what = raw
      .replace(/ in JSON at position \d+.*$/, '')
      .replace(/ \(line \d+ column \d+\)$/, '');
    const trailing = /^\s*[}\]]/.test(text.slice(offset)) && /,\s*$/.test(text.slice(0, offset));
    return {
      severity: 'error',
      file,
      line: before.length,
      column: (before.at(-1)?.length ?? 0) + 1,
      path: '',
      message: `invalid JSON: ${what}${trailing ? ' (a trailing comma before it?)' : ''}`,
    };
  }
}

function quoteHint(issue: z.core.$ZodIssue, doc: Document, text: string): string {
  if (issue.code !== 'invalid_type' || issue.expected !== 'string') return '';
  if (typeof issue.input !== 'number' && typeof issue.input !== 'boolean') return '';
  const node = doc.getIn(issue.path, true) as { range?: [number, number, number] } | undefined;
  const source = node?.range ? text.slice(node.range[0], node.range[1]) : String(issue.input);
  return ` (quote it: "${source}")`;
}

function unknownField(key: string): string {
  const close = KNOWN_FIELDS.filter(
    (k) => k !== key && distance(k.toLowerCase(), key.toLowerCase()) <= (key.length > 5 ? 2 : 1),
  );
  const hint = close.length > 0 ? `; did you mean "${close[0]}"?` : '';
  return key.startsWith('aloft.dev/')
    ? `unknown Aloft extension "${key}" (ignored)${hint}`
    : `unknown field "${key}" (ignored)${hint}`;
}

function stripKeys(value: unknown, issues: z.core.$ZodIssueUnrecognizedKeys[]): unknown {
  const copy = structuredClone(value);
  for (const issue of issues) {
    let node: unknown = copy;
    for (const step of issue.path)
      node = (node as Record<PropertyKey, unknown> | undefined)?.[step];
    if (node && typeof node === 'object') {
      for (const key of issue.keys) delete (node as Record<string, unknown>)[key];
    }
  }
  return copy;
}

function sortProblems(list: Problem[]): Problem[] {
  return [...list].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

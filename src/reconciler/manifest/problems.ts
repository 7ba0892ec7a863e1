/** One thing wrong (or suspicious) in a manifest, with where it is. */
export interface Problem {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based line and column of the offending node (its parent when the field is missing). */
  line: number;
  column: number;
  /** The field path, e.g. `spec.components[1].traits[0].properties.instances`; `` for the root. */
  path: string;
  message: string;
}

/**
 * `app.yaml:14:9 spec.components[1].traits[0].properties.instances: expected a positive integer, got "three"`;
 * warnings get a `warning: ` prefix after the position.
 */
export function formatProblem(p: Problem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  const what = p.severity === 'warning' ? `warning: ${p.message}` : p.message;
  return p.path === '' ? `${where} ${what}` : `${where} ${p.path}: ${what}`;
}

/** `['spec', 'components', 1, 'name']` → `spec.components[1].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A value as shown in a message: strings quoted, long values cut. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  const text =
    typeof value === 'string'
      ? JSON.stringify(value)
      : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
        ? String(value)
        : typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

import { arch, hostname, platform } from 'node:os';
import { AloftError } from '../support/index.ts';

/**
 * A host's labels: built-ins (`runtime=node`, `os`, `arch`, `hostname`), then
 * `ALOFT_LABEL_<KEY>=value` from the environment (key lower-cased, `_` → `-`), then
 * `--label key=value` flags, later ones winning. (Browser-tab hosts carry `runtime=browser`, so
 * manifests can tell the two apart: a provider needs `runtime: node`.)
 */
export function hostLabels(flags: string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const labels: Record<string, string> = {
    runtime: 'node',
    os: platform(),
    arch: arch(),
    hostname: hostname(),
  };
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('ALOFT_LABEL_') && v !== undefined && k.length > 'ALOFT_LABEL_'.length) {
      labels[k.slice('ALOFT_LABEL_'.length).toLowerCase().replace(/_/g, '-')] = v;
    }
  }
  for (const flag of flags) {
    const [key, value] = parseLabel(flag);
    labels[key] = value;
  }
  return labels;
}

/** Parses `key=value`. @throws {AloftError} `USAGE` when it has no `=` or an empty key. */
export function parseLabel(flag: string): [string, string] {
  const i = flag.indexOf('=');
  if (i <= 0) {
    throw new AloftError('USAGE', `invalid label ${JSON.stringify(flag)}`, {
      hint: 'use key=value, e.g. cloud=aws',
    });
  }
  return [flag.slice(0, i), flag.slice(i + 1)];
}

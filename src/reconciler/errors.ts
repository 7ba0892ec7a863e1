import { AloftError } from '../support/index.ts';
import type { Problem } from './manifest/problems.ts';
import { formatProblem } from './manifest/problems.ts';

/** Stable codes of the errors the reconciler's pure core raises. */
export const ReconcilerCodes = {
  /** A manifest failed to parse or validate; `problems` lists every one with its position. */
  MANIFEST_INVALID: 'MANIFEST_INVALID',
} as const;

/**
 * A manifest that cannot be deployed. Terminal: the same text fails the same way. The message
 * lists every error, one per line, as `file:line:column path: what`.
 */
export class ManifestError extends AloftError {
  override name = 'ManifestError';
  readonly problems: readonly Problem[];

  constructor(fileName: string, problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(
      ReconcilerCodes.MANIFEST_INVALID,
      `${fileName}: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n` +
        errors.map(formatProblem).join('\n'),
      { retryable: false, hint: 'fix the lines above and validate again (aloft app validate)' },
    );
    this.problems = problems;
  }
}

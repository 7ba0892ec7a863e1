import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'aloft-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  // ALOFT_KEEP_TEST_DIRS=1 keeps them (process logs, NATS data) to look at after a failure.
  const keep = process.env.ALOFT_KEEP_TEST_DIRS === '1';
  return {
    path,
    remove: () => (keep ? undefined : rmSync(path, { recursive: true, force: true })),
  };
}

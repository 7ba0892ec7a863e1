import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Toolchain identities that change a build's output; part of every cache key. `entry` counts
 * versions of the generated TypeScript entry module (typescript.ts).
 */
export const TOOLCHAIN = {
  ts: 'componentize-js@0.23.0+typescript@5.9.3+entry@2',
  as: 'assemblyscript@0.28.9+jco@1.35.0',
} as const;

async function filesUnder(dir: string, filter: (f: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.'))
        out.push(...(await filesUnder(full, filter)));
    } else if (filter(entry.name)) {
      out.push(full);
    }
  }
  return out.sort();
}

/**
 * Content hash of a build's inputs: the guest's source directory, the SDK and WIT it builds
 * against, and the toolchain versions. Same inputs, same key, so reruns reuse the component.
 */
export async function buildKey(
  lang: keyof typeof TOOLCHAIN,
  sourceDir: string,
  extraDirs: string[],
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${lang}\0${TOOLCHAIN[lang]}\0`);
  for (const dir of [sourceDir, ...extraDirs]) {
    for (const file of await filesUnder(
      dir,
      (f) => /\.(ts|wit|json)$/.test(f) && !f.endsWith('.test.ts'),
    )) {
      hash.update(path.relative(dir, file) + '\0');
      hash.update(await readFile(file));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

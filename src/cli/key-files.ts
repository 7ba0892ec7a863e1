import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateKey, parseSeed, type Key, type KeyKind } from '../security/index.ts';
import { AloftError } from '../support/index.ts';

/**
 * Writes a key's seed to `path` with mode 0600 (its folder 0700 when created), refusing to
 * overwrite an existing file unless `force`: a lost seed cannot be recovered.
 */
export function writeSeedFile(path: string, key: Key, force = false): void {
  if (!force && existsSync(path)) {
    throw new AloftError('KEY_EXISTS', `${path} already exists; not overwriting a key`, {
      hint: 'choose another --out, or pass --force to replace it',
    });
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const text = `# aloft ${key.kind} key ${key.publicKey}\n# The seed below is secret: keep this file private (mode 0600).\n${key.seed}\n`;
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on write
}

/** Reads the seed in `path`, naming the file when it cannot be read or holds no seed. */
export function readSeedFile(path: string, what: string): Key {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AloftError(
      'NOT_FOUND',
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  return parseSeed(text, `${what} ${path}`);
}

/** The key in `<dir>/<file>`, made (mode 0600) on first use. */
export function ensureKey(
  dir: string,
  file: string,
  kind: KeyKind,
): Key & { path: string; created: boolean } {
  const path = join(dir, file);
  if (existsSync(path)) return { ...readSeedFile(path, `the ${kind} key`), path, created: false };
  const key = generateKey(kind);
  writeSeedFile(path, key);
  return { ...key, path, created: true };
}

/** Where `aloft up` keeps the development keys of a data directory. */
export const DEV_KEYS = {
  dir: (dataDir: string): string => join(dataDir, 'keys'),
  issuer: 'dev-issuer.nk',
  secrets: 'secrets.xk',
} as const;

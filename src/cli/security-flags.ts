import { readFileSync } from 'node:fs';
import type { HostSecurityOptions } from '../host/index.ts';
import { AloftError } from '../support/index.ts';

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Reads a key file, naming it when it cannot be read. */
export function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new AloftError(
      'NOT_FOUND',
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** A comma- or space-separated list of keys, empty entries dropped. */
export function keyList(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter(Boolean);
}

/**
 * A host's trust from its flags and environment: `--trusted-issuers` (or `ALOFT_TRUSTED_ISSUERS`),
 * `--secrets-key FILE` (or `ALOFT_SECRETS_KEY_FILE`), `--ignore-lattice-policy`, and the
 * development flag `--allow-unsigned`, which has no environment variable on purpose.
 */
export function hostSecurityFlags(values: Values, env: NodeJS.ProcessEnv): HostSecurityOptions {
  const issuers = keyList(
    (values['trusted-issuers'] as string | undefined) ?? env.ALOFT_TRUSTED_ISSUERS,
  );
  const secretsFile = (values['secrets-key'] as string | undefined) ?? env.ALOFT_SECRETS_KEY_FILE;
  return {
    trustedIssuers: issuers,
    allowUnsigned: values['allow-unsigned'] === true,
    ignoreLatticePolicy: values['ignore-lattice-policy'] === true,
    ...(secretsFile ? { secretsSeed: readKeyFile(secretsFile, 'the secrets key') } : {}),
  };
}

import { resolve } from 'node:path';
import {
  assertCredentialsFor,
  readCredentialsFile,
  type LatticeConnectionOptions,
  type LatticeRole,
} from '../lattice/index.ts';
import type { UpState } from './local-state.ts';

/** The options every command that connects to NATS accepts (credentials, TLS, JetStream domain). */
export const natsAuthOptions = {
  creds: { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'js-domain': { type: 'string' },
} as const;

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * How this process authenticates to NATS, from the first that says: the command line (`--creds`,
 * `--tls-ca`, `--tls-cert`, `--tls-key`, `--js-domain`), the environment (`NATS_CREDS`,
 * `NATS_TLS_CA`, `NATS_TLS_CERT`, `NATS_TLS_KEY`, `NATS_JS_DOMAIN`), or the lattice `aloft up`
 * started (its credentials for `role`). Credentials issued for another lattice are refused.
 *
 * @throws {AloftError} `INVALID_INPUT` for an unreadable credentials file or one of another lattice.
 */
export function natsAuth(
  values: Values,
  env: NodeJS.ProcessEnv,
  cwd: string,
  options: { role: LatticeRole; lattice: string; up?: UpState | undefined },
): Pick<LatticeConnectionOptions, 'credsFile' | 'tls' | 'jsDomain'> {
  const pick = (flag: string, envName: string): string | undefined => {
    const v = values[flag] ?? env[envName];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const path = (p: string | undefined): string | undefined => (p ? resolve(cwd, p) : undefined);
  const credsFile = path(pick('creds', 'NATS_CREDS')) ?? options.up?.auth?.creds[options.role];
  if (credsFile) assertCredentialsFor(readCredentialsFile(credsFile).info, options.lattice);
  const ca = path(pick('tls-ca', 'NATS_TLS_CA'));
  const cert = path(pick('tls-cert', 'NATS_TLS_CERT'));
  const key = path(pick('tls-key', 'NATS_TLS_KEY'));
  const jsDomain = pick('js-domain', 'NATS_JS_DOMAIN');
  return {
    ...(credsFile ? { credsFile } : {}),
    ...(ca || cert || key
      ? {
          tls: {
            ...(ca ? { caFile: ca } : {}),
            ...(cert ? { certFile: cert } : {}),
            ...(key ? { keyFile: key } : {}),
          },
        }
      : {}),
    ...(jsDomain ? { jsDomain } : {}),
  };
}

/** The same settings as command-line arguments, for a process this one starts. */
export function natsAuthArgs(
  auth: Pick<LatticeConnectionOptions, 'credsFile' | 'tls' | 'jsDomain'>,
): string[] {
  return [
    ...(auth.credsFile ? ['--creds', auth.credsFile] : []),
    ...(auth.tls?.caFile ? ['--tls-ca', auth.tls.caFile] : []),
    ...(auth.tls?.certFile ? ['--tls-cert', auth.tls.certFile] : []),
    ...(auth.tls?.keyFile ? ['--tls-key', auth.tls.keyFile] : []),
    ...(auth.jsDomain ? ['--js-domain', auth.jsDomain] : []),
  ];
}

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AloftError } from '../support/index.ts';
import { writeSecret } from './auth-store.ts';

/**
 * A private certificate authority made with openssl, for TLS between NATS servers and clients
 * where no company PKI is at hand (tests, `aloft nats config --tls` without `--tls-ca`). Keys are
 * ECDSA P-256; private keys are written with mode 0600.
 */
export interface CertificateAuthority {
  dir: string;
  caFile: string;
  caKeyFile: string;
}

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
}

function openssl(args: string[], what: string): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new AloftError('OPENSSL_NOT_FOUND', 'openssl is needed to create TLS certificates', {
        hint: 'install it ("apt-get install openssl"), or bring your own CA and certificates',
      });
    }
    const detail = e.stderr?.toString().trim().split('\n').at(-1) ?? e.message;
    throw new AloftError('TLS_CERT_FAILED', `openssl could not ${what}: ${detail}`, { cause: err });
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Creates a CA in `dir` (or reuses the one there). */
export function createCertificateAuthority(
  dir: string,
  name = 'Aloft NATS CA',
): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const ca = { dir, caFile: join(dir, 'ca.pem'), caKeyFile: join(dir, 'ca-key.pem') };
  if (existsSync(ca.caFile) && existsSync(ca.caKeyFile)) return ca;
  openssl(
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      ca.caKeyFile,
      '-out',
      ca.caFile,
      '-days',
      '3650',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    'create the CA',
  );
  writeSecret(ca.caKeyFile, readText(ca.caKeyFile));
  return ca;
}

/**
 * Issues a certificate signed by `ca`: for a server (`serverAuth` and `clientAuth`, since servers
 * also dial each other on routes, gateways and leaf links) with its DNS names and IP addresses, or
 * for a client (`clientAuth` only).
 */
export function issueCertificate(
  ca: CertificateAuthority,
  name: string,
  options: { kind: 'server' | 'client'; dns?: string[]; ips?: string[]; outDir?: string },
): IssuedCertificate {
  const out = options.outDir ?? ca.dir;
  mkdirSync(out, { recursive: true });
  const certFile = join(out, `${name}.pem`);
  const keyFile = join(out, `${name}-key.pem`);
  const csr = join(out, `${name}.csr`);
  const ext = join(out, `${name}.ext`);
  const san = [
    ...(options.dns ?? []).map((d) => `DNS:${d}`),
    ...(options.ips ?? []).map((ip) => `IP:${ip}`),
  ];
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${options.kind === 'server' ? 'serverAuth,clientAuth' : 'clientAuth'}`,
      ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
      '',
    ].join('\n'),
  );
  try {
    openssl(
      ['req', ...EC, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`],
      `make a key for ${name}`,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca.caFile,
        '-CAkey',
        ca.caKeyFile,
        '-CAcreateserial',
        '-out',
        certFile,
        '-days',
        '825',
        '-extfile',
        ext,
      ],
      `sign the certificate of ${name}`,
    );
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  writeSecret(keyFile, readText(keyFile));
  return { certFile, keyFile };
}

const readText = (file: string): string => readFileSync(file, 'utf8');

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AloftError } from '../support/index.ts';
import { publicKeyOf } from './auth.ts';
import { writeSecret } from './secret-file.ts';

export const ISSUER_KIND = 'aloft-issuer';

/**
 * An issuer file: a plain signing key of one account, for a process that signs users itself (the
 * `/join` service signs one user per browser tab). Secret: mode 0600, like a `.creds` file.
 *
 *     { "kind": "aloft-issuer", "name": "browser", "accountName": "default",
 *       "account": "A…", "seed": "SA…" }
 */
const IssuerFileSchema = z.object({
  kind: z.literal(ISSUER_KIND),
  /** What it issues, e.g. `browser`. */
  name: z.string().min(1),
  /** The account's name (the lattice) and identity public key (`issuer_account` of its users). */
  accountName: z.string().min(1),
  account: z.string().regex(/^A[A-Z2-7]{55}$/, 'expected an account public key (A…)'),
  seed: z.string().regex(/^SA[A-Z2-7]{56}$/, 'expected an account-type nkey seed (SA…)'),
});
export type IssuerFile = z.infer<typeof IssuerFileSchema>;

/** An issuer file's key, with its public key (listed among the account's signing keys). */
export interface IssuerKey extends IssuerFile {
  publicKey: string;
}

/** Writes an issuer file with mode 0600. */
export function writeIssuerFile(file: string, issuer: IssuerFile): void {
  writeSecret(file, JSON.stringify(IssuerFileSchema.parse(issuer), null, 2) + '\n');
}

/**
 * Reads an issuer file (`keys/<account>.issuer-<name>.json`, as `aloft up` and `aloft nats config`
 * write them).
 *
 * @throws {AloftError} `INVALID_INPUT` naming the file and the field when it is missing or wrong.
 */
export function readIssuerFile(file: string): IssuerKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AloftError(
      'INVALID_INPUT',
      `cannot read issuer file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { cause: err, hint: 'aloft nats config writes it as keys/<lattice>.issuer-browser.json' },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AloftError('INVALID_INPUT', `issuer file ${file} is not JSON`, { cause: err });
  }
  const parsed = IssuerFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AloftError(
      'INVALID_INPUT',
      `issuer file ${file}: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`,
      { hint: 'aloft nats config writes it as keys/<lattice>.issuer-browser.json' },
    );
  }
  return { ...parsed.data, publicKey: publicKeyOf(parsed.data.seed) };
}

/**
 * A component's claims: who vouches for it (the issuing account), what it is (its own component
 * key, name, version), exactly which bytes (the module hash without the claims section), what it
 * may use (capability interfaces) and when (not-before, expiry). Signed as a JWT by the account
 * and embedded in the component's `aloft-claims` custom section. Pure.
 */
import { z } from 'zod';
import { SecurityCodes, SecurityError } from './errors.ts';
import { encodeJwt, verifyJwt, decodeJwt } from './jwt.ts';
import { generateKey, parseSeed, publicKeyKind, signerFromSeed } from './keys.ts';
import { claimsSections, moduleHash, withClaims } from './wasm-sections.ts';

/** The claims format version in `aloft.v`. */
export const CLAIMS_VERSION = 1;

const ComponentPart = z.object({
  v: z.literal(CLAIMS_VERSION),
  type: z.literal('component'),
  /** Hex SHA-256 of the binary without its `aloft-claims` section. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string().min(1).max(128),
  version: z.string().max(128).optional(),
  /** Capability interfaces (short names: `keyvalue`, `logging`, …) the component may use. */
  caps: z.array(z.string().min(1).max(256)).max(64),
});

/** The JWT payload of a component's claims, as verified. */
export const ComponentClaims = z.object({
  iss: z.string(),
  sub: z.string(),
  iat: z.number().int().nonnegative(),
  nbf: z.number().int().nonnegative().optional(),
  exp: z.number().int().nonnegative().optional(),
  aloft: ComponentPart,
});
export type ComponentClaims = z.infer<typeof ComponentClaims>;

export interface SignOptions {
  /** The issuing account's seed (`SA…`). */
  issuerSeed: string;
  /** The component's own seed (`SM…`); a fresh component key when absent. */
  componentSeed?: string;
  name: string;
  version?: string;
  caps: readonly string[];
  /** Valid from (default: issued-at). */
  notBefore?: Date;
  expires?: Date;
  /** Issued-at (default: now). */
  now?: Date;
}

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
const enc = new TextEncoder();

/**
 * Signs a component: returns its bytes with the claims JWT embedded (replacing earlier claims).
 *
 * @example
 * const { bytes, claims } = await signComponent(wasm, { issuerSeed, name: 'orders', caps: ['keyvalue'] });
 */
export async function signComponent(
  bytes: Uint8Array,
  options: SignOptions,
): Promise<{ bytes: Uint8Array; jwt: string; claims: ComponentClaims }> {
  const issuer = signerFromSeed(options.issuerSeed, ['account'], 'the issuer seed');
  const subject = options.componentSeed
    ? parseSeed(options.componentSeed, 'the component seed')
    : generateKey('component');
  if (subject.kind !== 'component') {
    throw new SecurityError(
      SecurityCodes.KEY_INVALID,
      `the component seed is a ${subject.kind} key, not a component key (SM…)`,
    );
  }
  const now = options.now ?? new Date();
  const nbf = options.notBefore ? seconds(options.notBefore) : undefined;
  const exp = options.expires ? seconds(options.expires) : undefined;
  if (nbf !== undefined && exp !== undefined && exp <= nbf) {
    throw new SecurityError(SecurityCodes.INVALID, 'the expiry must be after the not-before time');
  }
  const claims: ComponentClaims = ComponentClaims.parse({
    iss: issuer.publicKey,
    sub: subject.publicKey,
    iat: seconds(now),
    ...(nbf !== undefined ? { nbf } : {}),
    ...(exp !== undefined ? { exp } : {}),
    aloft: {
      v: CLAIMS_VERSION,
      type: 'component',
      hash: await moduleHash(bytes),
      name: options.name,
      ...(options.version !== undefined ? { version: options.version } : {}),
      caps: [...new Set(options.caps)].sort(),
    },
  });
  const jwt = encodeJwt(claims, issuer);
  return { bytes: withClaims(bytes, enc.encode(jwt)), jwt, claims };
}

/** The claims JWT embedded in `bytes`: undefined when there is none; `CLAIMS_INVALID` for two. */
export function embeddedJwt(bytes: Uint8Array): string | undefined {
  const found = claimsSections(bytes);
  if (found.length === 0) return undefined;
  if (found.length > 1) {
    throw new SecurityError(
      SecurityCodes.INVALID,
      `the component carries ${found.length} claims sections; a signed component has one`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(found[0]).trim();
  } catch {
    throw new SecurityError(SecurityCodes.INVALID, 'the claims section is not text');
  }
}

/** Parses and checks the shape of verified claims; `CLAIMS_INVALID` names the offending field. */
export function parseClaims(payload: unknown): ComponentClaims {
  const r = ComponentClaims.safeParse(payload);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new SecurityError(
      SecurityCodes.INVALID,
      `claims ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  if (publicKeyKind(r.data.sub) !== 'component') {
    throw new SecurityError(
      SecurityCodes.INVALID,
      `claims subject ${r.data.sub} is not a component public key (M…)`,
    );
  }
  return r.data;
}

/** Verifies a claims JWT's signature and shape (not trust, time or hash). */
export function verifyClaimsJwt(jwt: string): ComponentClaims {
  return parseClaims(verifyJwt(jwt, 'account'));
}

/** What `aloft claims inspect` shows: the claims as written, and whether the signature holds. */
export async function inspectClaims(bytes: Uint8Array): Promise<
  | { signed: false }
  | {
      signed: true;
      jwt: string;
      payload: Record<string, unknown>;
      /** `valid`, or why it is not. */
      signature: string;
      hashMatches: boolean;
    }
> {
  const jwt = embeddedJwt(bytes);
  if (jwt === undefined) return { signed: false };
  const { payload } = decodeJwt(jwt);
  let signature = 'valid';
  try {
    verifyClaimsJwt(jwt);
  } catch (err) {
    signature = err instanceof Error ? err.message : String(err);
  }
  const aloft = payload.aloft as { hash?: unknown } | undefined;
  return {
    signed: true,
    jwt,
    payload,
    signature,
    hashMatches: aloft?.hash === (await moduleHash(bytes)),
  };
}

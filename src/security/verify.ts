/**
 * Whether a host may run a component: the pure decision, from the component's bytes, the host's
 * trust policy and the time. Every refusal is a {@link SecurityError} with a specific code.
 */
import type { ComponentClaims } from './claims.ts';
import { embeddedJwt, verifyClaimsJwt } from './claims.ts';
import { SecurityCodes, SecurityError } from './errors.ts';
import { moduleHash } from './wasm-sections.ts';

/** What a host trusts. Deny by default: no issuers and no unsigned components. */
export interface TrustPolicy {
  /** Account public keys (`A…`) whose signatures the host accepts. */
  trustedIssuers: readonly string[];
  /** Development only: run components that carry no claims at all (with every capability). */
  allowUnsigned: boolean;
}

export const DENY_ALL: TrustPolicy = { trustedIssuers: [], allowUnsigned: false };

/** The outcome of a successful check. */
export type Verdict = { signed: false } | { signed: true; jwt: string; claims: ComponentClaims };

const when = (s: number): string => new Date(s * 1000).toISOString();

/**
 * Checks a component against `policy` at `now`. Resolves with the verified claims (or
 * `{signed: false}` when unsigned components are allowed); rejects with `CLAIMS_MISSING`,
 * `CLAIMS_INVALID`, `CLAIMS_HASH_MISMATCH`, `CLAIMS_UNTRUSTED_ISSUER`, `CLAIMS_NOT_YET_VALID`,
 * `CLAIMS_EXPIRED` or `COMPONENT_MALFORMED`.
 *
 * @example
 * const verdict = await verifyComponent(bytes, { trustedIssuers: ['ABC…'], allowUnsigned: false });
 */
export async function verifyComponent(
  bytes: Uint8Array,
  policy: TrustPolicy,
  now: Date = new Date(),
): Promise<Verdict> {
  const jwt = embeddedJwt(bytes);
  if (jwt === undefined) {
    if (policy.allowUnsigned) return { signed: false };
    throw new SecurityError(
      SecurityCodes.UNSIGNED,
      'the component is not signed and this host runs only signed components',
      {
        hint: 'sign it with "aloft claims sign <file.wasm> --issuer <account seed>" (or build it with a key configured)',
      },
    );
  }
  const claims = verifyClaimsJwt(jwt);
  const actual = await moduleHash(bytes);
  if (actual !== claims.aloft.hash) {
    throw new SecurityError(
      SecurityCodes.TAMPERED,
      `the component was altered after signing: its hash is ${actual}, the claims were signed for ${claims.aloft.hash}`,
    );
  }
  if (!policy.trustedIssuers.includes(claims.iss)) {
    throw new SecurityError(
      SecurityCodes.UNTRUSTED,
      `the component is signed by ${claims.iss}, which this host does not trust${policy.trustedIssuers.length ? ` (it trusts ${policy.trustedIssuers.join(', ')})` : ' (it trusts no issuer)'}`,
      {
        hint: 'add the account with --trusted-issuers or the lattice policy ("aloft policy set --trusted-issuers …")',
      },
    );
  }
  const t = Math.floor(now.getTime() / 1000);
  if (claims.nbf !== undefined && t < claims.nbf) {
    throw new SecurityError(
      SecurityCodes.NOT_YET_VALID,
      `the claims are valid from ${when(claims.nbf)}; it is ${when(t)}`,
    );
  }
  if (claims.exp !== undefined && t >= claims.exp) {
    throw new SecurityError(
      SecurityCodes.EXPIRED,
      `the claims expired at ${when(claims.exp)}; it is ${when(t)}`,
      {
        hint: 'sign the component again with a later --expires',
      },
    );
  }
  return { signed: true, jwt, claims };
}

/** Whether claims allow the capability interface `shortName` (`keyvalue`, `logging`, …). */
export function claimsAllow(claims: ComponentClaims, shortName: string): boolean {
  return claims.aloft.caps.includes(shortName);
}

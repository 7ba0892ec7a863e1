import type { TrustPolicy } from './verify.ts';

/** What a lattice's policy (kept in its security bucket) says; every field optional. */
export interface LatticePolicyValues {
  trustedIssuers?: readonly string[];
  allowUnsigned?: boolean;
  /** The public curve key (`X…`) secrets are sealed for. */
  secretsRecipient?: string;
}

/**
 * The trust a host applies: its own flags, plus the lattice's policy unless the host ignores it.
 * The lattice can only widen what a host accepts (more issuers, unsigned for development); a host
 * started with `ignoreLattice` trusts exactly its own flags.
 */
export function effectiveTrust(
  host: TrustPolicy,
  lattice: LatticePolicyValues | undefined,
  options: { ignoreLattice?: boolean } = {},
): TrustPolicy {
  if (!lattice || options.ignoreLattice) return host;
  return {
    trustedIssuers: [...new Set([...host.trustedIssuers, ...(lattice.trustedIssuers ?? [])])],
    allowUnsigned: host.allowUnsigned || lattice.allowUnsigned === true,
  };
}

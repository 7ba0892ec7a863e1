// Signing for tests: one fixed, test-only issuer whose components test hosts trust, so tests
// run hosts as production does (deny by default, signed components only) rather than in
// development mode. Signatures use a fixed time and component key, so the same component always
// signs to the same bytes (and the transpile cache keeps hitting).
import { CAPABILITY_INTERFACES } from '../../src/runtime/index.ts';
import { signComponent } from '../../src/security/index.ts';
import type { HostSecurityOptions } from '../../src/host/index.ts';

/** The test issuer (an account key). Never trusted outside tests. */
export const TEST_ISSUER = {
  publicKey: 'AASPXDSVYZA4B6D42KH3O3ZLXWXMTICHRQI4PTSXMU2A7QM7ZI42Q2GZ',
  seed: 'SAAOAYWFFUQPNLD5PCJJ3RLOLT36MH37WJZ2TY4K3ZMYVRRPBAEPV5PJRM',
} as const;
const TEST_COMPONENT_SEED = 'SMAE3XKCW7BXZ7N5TRFGULRWJZAWWNZI3YIF5RT5XPPIRJKX2TRWFAVBTM';

/** Host options that trust the test issuer (and nothing else: unsigned components are refused). */
export const TEST_TRUST: HostSecurityOptions = { trustedIssuers: [TEST_ISSUER.publicKey] };

/** `aloft host` flags with the same trust. */
export const TEST_TRUST_FLAGS = ['--trusted-issuers', TEST_ISSUER.publicKey];

/** `bytes` signed by the test issuer, allowed every capability unless `caps` says otherwise. */
export async function signed(
  bytes: Uint8Array,
  options: {
    name?: string;
    caps?: readonly string[];
    expires?: Date;
    notBefore?: Date;
    issuerSeed?: string;
  } = {},
): Promise<Uint8Array> {
  const out = await signComponent(bytes, {
    issuerSeed: options.issuerSeed ?? TEST_ISSUER.seed,
    componentSeed: TEST_COMPONENT_SEED,
    name: options.name ?? 'test-component',
    caps: options.caps ?? CAPABILITY_INTERFACES,
    now: new Date('2025-01-01T00:00:00Z'),
    ...(options.expires ? { expires: options.expires } : {}),
    ...(options.notBefore ? { notBefore: options.notBefore } : {}),
  });
  return out.bytes;
}

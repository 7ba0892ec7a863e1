/**
 * Security: nkeys of every role, component claims signed as JWTs and embedded in a custom
 * section, the check a host applies before running a component, and secrets sealed with curve
 * keys. Pure logic (no I/O but WebCrypto hashing); the door of `src/security`.
 */
export { SecurityCodes, SecurityError, type SecurityCode } from './errors.ts';
export {
  KEY_KINDS,
  KEY_LETTER,
  generateKey,
  parseSeed,
  signerFromSeed,
  publicKeyKind,
  assertPublicKey,
  type Key,
  type KeyKind,
  type Signer,
} from './keys.ts';
export { encodeJwt, decodeJwt, verifyJwt, base64UrlEncode, base64UrlDecode } from './jwt.ts';
export {
  CLAIMS_SECTION,
  claimsSections,
  withClaims,
  withoutClaims,
  moduleHash,
  sha256Hex,
} from './wasm-sections.ts';
export {
  CLAIMS_VERSION,
  ComponentClaims,
  signComponent,
  embeddedJwt,
  parseClaims,
  verifyClaimsJwt,
  inspectClaims,
  type SignOptions,
} from './claims.ts';
export {
  verifyComponent,
  claimsAllow,
  DENY_ALL,
  type TrustPolicy,
  type Verdict,
} from './verify.ts';
export { effectiveTrust, type LatticePolicyValues } from './policy.ts';
export {
  sealSecret,
  openSecret,
  secretRef,
  hasSecretRefs,
  resolveSecretRefs,
  SECRET_PREFIX,
  type SealedSecret,
} from './secrets.ts';

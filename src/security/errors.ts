import { AloftError } from '../support/index.ts';

/**
 * Stable codes of the security domain. Refusals of a component name the reason, so a host's
 * `component_start_failed` event and the requester's error say exactly what was wrong.
 */
export const SecurityCodes = {
  /** A key or seed that is malformed or of the wrong kind. */
  KEY_INVALID: 'KEY_INVALID',
  /** The component carries no `aloft-claims` section and the policy requires one. */
  UNSIGNED: 'CLAIMS_MISSING',
  /** The claims section is malformed, duplicated, or its signature does not verify. */
  INVALID: 'CLAIMS_INVALID',
  /** The module's hash differs from the one the claims were signed for: it was altered. */
  TAMPERED: 'CLAIMS_HASH_MISMATCH',
  EXPIRED: 'CLAIMS_EXPIRED',
  NOT_YET_VALID: 'CLAIMS_NOT_YET_VALID',
  /** Signed by an account the host does not trust. */
  UNTRUSTED: 'CLAIMS_UNTRUSTED_ISSUER',
  /** A capability (link or call) the component's claims do not allow. */
  NOT_CLAIMED: 'CAPABILITY_NOT_CLAIMED',
  /** Bytes that are not WebAssembly, or whose sections cannot be read. */
  MALFORMED: 'COMPONENT_MALFORMED',
  /** A sealed secret that cannot be opened (wrong key, altered, or sealed for another name). */
  SECRET_SEALED: 'SECRET_UNREADABLE',
  /** A `secret:<name>` reference to a secret that does not exist. */
  SECRET_MISSING: 'SECRET_NOT_FOUND',
  /** A secret is referenced but this host holds no key to open secrets. */
  SECRET_NO_KEY: 'SECRET_NO_KEY',
  /** A capability call asks for a link's secrets but no such link exists in the lattice. */
  SECRET_DENIED: 'SECRET_DENIED',
} as const;
export type SecurityCode = (typeof SecurityCodes)[keyof typeof SecurityCodes];

/** An error of the security domain: always terminal (trying again does not change a signature). */
export class SecurityError extends AloftError {
  override name = 'SecurityError';
  constructor(
    code: SecurityCode,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(code, message, { ...options, retryable: false });
  }
}

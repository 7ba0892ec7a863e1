import type { Link } from '../lattice/index.ts';
import { SecurityCodes, SecurityError, type ComponentClaims } from '../security/index.ts';
import { linkServes } from './providers.ts';

/**
 * Refuses a link from a component whose claims do not allow the linked interface: such a link
 * could never be used (every call through it is refused), so it is an error now rather than a
 * surprise later. Links whose source has no known claims pass (the call-time check remains).
 */
export function checkLinkAgainstClaims(link: Link, claims: ComponentClaims | undefined): void {
  if (!claims) return;
  if (claims.aloft.caps.some((cap) => linkServes(link.interface, cap))) return;
  throw new SecurityError(
    SecurityCodes.NOT_CLAIMED,
    `${link.source} may not use ${link.interface}: its claims (issuer ${claims.iss}) allow ${claims.aloft.caps.join(', ') || 'no capability'}`,
    {
      hint: `sign ${link.source} with --caps including the interface, or link it to something its claims allow`,
    },
  );
}

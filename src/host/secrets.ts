import type { CapabilityCall, LatticeState, Link } from '../lattice/index.ts';
import { hasSecretRefs, SecurityCodes, SecurityError } from '../security/index.ts';
import { AloftError, type Logger } from '../support/index.ts';
import { linkServes } from './providers.ts';
import type { HostSecurity } from './security.ts';

/**
 * The link config a provider on this host sees for a call that came over the lattice. Plain
 * config passes as sent; when it refers to secrets, they are opened only for a link that exists
 * in the lattice state (component → this provider, same interface and name), using that link's
 * own config, so a crafted call cannot make a provider use (or reveal) a secret.
 */
export function remoteLinkConfig(
  call: CapabilityCall,
  provider: string,
  state: LatticeState,
  security: HostSecurity,
): Record<string, string> {
  if (!hasSecretRefs(call.link.config)) return call.link.config;
  const link = state
    .links()
    .find(
      (l) =>
        l.source === call.component &&
        l.target === provider &&
        l.name === call.link.name &&
        linkServes(l.interface, call.interface),
    );
  if (!link) {
    throw new SecurityError(
      SecurityCodes.SECRET_DENIED,
      `no link ${call.link.name} from ${call.component} to ${provider} for ${call.interface}: its secrets are not opened`,
    );
  }
  return security.resolveSecrets(link.config);
}

/** Links with their secrets opened; a link whose secrets cannot be opened is left out (logged). */
export function openedLinks<T extends Pick<Link, 'config' | 'source' | 'interface'>>(
  links: T[],
  security: HostSecurity,
  logger: Logger,
): T[] {
  return links.flatMap((l) => {
    try {
      return [{ ...l, config: security.resolveSecrets(l.config) }];
    } catch (err) {
      logger.warn('link left out: its secrets cannot be opened', {
        source: l.source,
        interface: l.interface,
        code: (err as { code?: string }).code,
      });
      return [];
    }
  });
}

/**
 * `err` with any opened secret value removed from its message (a provider may quote the config it
 * was given, e.g. a URL with a password, in an error that travels back to a component).
 */
export function redactedError(err: unknown, redact: (text: string) => string): unknown {
  if (!(err instanceof Error)) return err;
  const message = redact(err.message);
  if (message === err.message) return err;
  if (err instanceof AloftError) {
    return new AloftError(err.code, message, {
      retryable: err.retryable,
      ...(err.hint ? { hint: redact(err.hint) } : {}),
    });
  }
  return new Error(message);
}

import { hostname } from 'node:os';
import { createServer, fromSeed } from '@nats-io/nkeys';

/** A host's identity: an nkey pair (public key = host id) and a friendly name. */
export interface HostIdentity {
  /** The public nkey (56 characters, starting with `N`). Unique per host process. */
  id: string;
  name: string;
  /** The seed, to sign with later; never logged or published. */
  seed: Uint8Array;
}

/**
 * A new identity, or the one of `seed` when given. The friendly name defaults to the machine's
 * hostname plus the id's last five characters, so several hosts on one machine stay apart.
 */
export function hostIdentity(options: { seed?: string; name?: string } = {}): HostIdentity {
  const kp = options.seed ? fromSeed(new TextEncoder().encode(options.seed)) : createServer();
  const id = kp.getPublicKey();
  return {
    id,
    name: options.name ?? `${hostname().split('.')[0] ?? 'host'}-${id.slice(-5).toLowerCase()}`,
    seed: kp.getSeed(),
  };
}

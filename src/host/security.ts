import type { NatsConnection } from '@nats-io/nats-core';
import {
  noSecurityState,
  openSecurityState,
  type LatticeState,
  type SecurityState,
} from '../lattice/index.ts';
import {
  assertPublicKey,
  effectiveTrust,
  openSecret,
  parseSeed,
  resolveSecretRefs,
  SecurityCodes,
  SecurityError,
  verifyClaimsJwt,
  verifyComponent,
  type ComponentClaims,
  type TrustPolicy,
  type Verdict,
} from '../security/index.ts';
import type { Clock, Logger } from '../support/index.ts';

/** What a host trusts and what it can open. Deny by default: nothing trusted, no unsigned. */
export interface HostSecurityOptions {
  /** Account public keys (`A…`) whose signed components this host runs. */
  trustedIssuers?: readonly string[];
  /** Development only: run components that carry no claims. */
  allowUnsigned?: boolean;
  /** Trust exactly the flags above; do not add the lattice policy's issuers or development mode. */
  ignoreLatticePolicy?: boolean;
  /** Seed (`SX…`) of the lattice's secrets key: lets this host open the secrets it serves. */
  secretsSeed?: string;
}

/** The host's side of security: the trust it applies and the secrets it can open. */
export interface HostSecurity {
  /** The trust applied now: the host's flags plus the lattice policy (unless ignored). */
  trust(): TrustPolicy;
  /** Checks a component before it runs; throws a `SecurityError` naming the refusal. */
  verify(bytes: Uint8Array): Promise<Verdict>;
  /** Verified, trusted claims of a component known to the lattice (a host runs it), if any. */
  knownClaims(component: string): ComponentClaims | undefined;
  /** `config` with `secret:<name>` values opened; throws `SECRET_*` codes (never the value). */
  resolveSecrets(config: Readonly<Record<string, string>>): Record<string, string>;
  /** `text` with every secret value this host has opened replaced by `[secret <name>]`. */
  redact(text: string): string;
  /** Whether this host holds the secrets key. */
  readonly canOpenSecrets: boolean;
  readonly state: SecurityState;
  stop(): Promise<void>;
}

/** Validates the options, opens the lattice's security bucket and watches its policy. */
export async function startHostSecurity(
  nc: NatsConnection,
  lattice: string,
  options: HostSecurityOptions,
  deps: { latticeState: LatticeState; clock: Clock; logger: Logger },
): Promise<HostSecurity> {
  const own: TrustPolicy = {
    trustedIssuers: (options.trustedIssuers ?? []).map((k) =>
      assertPublicKey(k, 'account', 'trusted issuer'),
    ),
    allowUnsigned: options.allowUnsigned === true,
  };
  const secretsKey = options.secretsSeed
    ? parseSeed(options.secretsSeed, 'the secrets key')
    : undefined;
  if (secretsKey && secretsKey.kind !== 'curve') {
    throw new SecurityError(
      SecurityCodes.KEY_INVALID,
      `the secrets key is a ${secretsKey.kind} key, not a curve key (SX…)`,
    );
  }
  // A host that follows no policy and opens no secret has no use for the security bucket (and a
  // browser tab's credentials may not read it).
  const state =
    options.ignoreLatticePolicy && !secretsKey
      ? noSecurityState()
      : await openSecurityState(nc, lattice);
  await state.ready();
  const trust = (): TrustPolicy =>
    effectiveTrust(own, state.policy(), { ignoreLattice: options.ignoreLatticePolicy === true });
  const log = deps.logger;
  const t = trust();
  if (t.allowUnsigned) log.warn('development mode: this host runs unsigned components');
  log.info('component trust', {
    trustedIssuers: t.trustedIssuers,
    allowUnsigned: t.allowUnsigned,
    secrets: !!secretsKey,
  });

  /** Opened values by name and sealed text, so a secret is opened once per change. */
  const opened = new Map<string, { sealed: string; value: string }>();
  state.onChange((kind) => {
    if (kind === 'secret') opened.clear();
  });
  const open = (name: string): string => {
    const record = state.secret(name);
    if (!record) {
      throw new SecurityError(
        SecurityCodes.SECRET_MISSING,
        `no secret ${name} in lattice ${lattice}`,
        {
          hint: `store it with "aloft secret put ${name}"`,
        },
      );
    }
    if (!secretsKey) {
      throw new SecurityError(
        SecurityCodes.SECRET_NO_KEY,
        `secret ${name} is needed but this host has no secrets key`,
        {
          hint: 'start the host with --secrets-key FILE',
        },
      );
    }
    const hit = opened.get(name);
    if (hit && hit.sealed === record.sealed) return hit.value;
    const value = openSecret(record, secretsKey.seed);
    opened.set(name, { sealed: record.sealed, value });
    return value;
  };

  return {
    trust,
    verify: (bytes) => verifyComponent(bytes, trust(), new Date(deps.clock.now())),
    knownClaims: (component) => {
      const jwt = deps.latticeState.claims(component);
      if (!jwt) return undefined;
      try {
        const claims = verifyClaimsJwt(jwt);
        return trust().trustedIssuers.includes(claims.iss) ? claims : undefined;
      } catch {
        return undefined;
      }
    },
    resolveSecrets: (config) => resolveSecretRefs(config, open),
    redact: (text) => {
      let out = text;
      for (const [name, { value }] of opened) {
        if (value.length >= 4) out = out.split(value).join(`[secret ${name}]`);
      }
      return out;
    },
    canOpenSecrets: !!secretsKey,
    state,
    stop: () => state.stop(),
  };
}

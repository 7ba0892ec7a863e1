import type { Subscription } from '@nats-io/nats-core';
import type { ComponentStats, LoadedComponent } from '../runtime/index.ts';
import type { ComponentClaims } from '../security/index.ts';

/** One component as placed on this host: its loaded code, instance count and call subscriptions. */
export interface Placement {
  name: string;
  ref: string;
  sha256: string;
  /** The component's bytes, kept to reload it when the instance count changes. */
  bytes: Uint8Array;
  /** Instances on this host (the size of the component's instance pool). */
  count: number;
  app: string | undefined;
  version: string | undefined;
  component: LoadedComponent;
  /** The verified claims it runs under; undefined for an unsigned component (development). */
  claims: ComponentClaims | undefined;
  inFlight: number;
  startedAt: string;
  subs: Subscription[];
}

/** The full inventory of a host, fetched on demand (`host.inventory`). */
export interface Inventory {
  hostId: string;
  name: string;
  lattice: string;
  labels: Record<string, string>;
  cordoned: boolean;
  state: string;
  startedAt: string;
  /** What the host trusts now (its flags plus the lattice policy) and whether it holds the secrets key. */
  trust?: { trustedIssuers: string[]; allowUnsigned: boolean; secretsKey: boolean };
  components: {
    name: string;
    ref: string;
    sha256: string;
    count: number;
    app?: string;
    version?: string;
    handlers: readonly string[];
    inFlight: number;
    startedAt: string;
    /** Who signed it and what it may use; `signed: false` in development mode. */
    signed: boolean;
    issuer?: string;
    subject?: string;
    caps?: string[];
    expires?: string;
    /** The instance pool: worker restarts, kills at the deadline, crashes, demotions, suspension. */
    pool?: {
      started: number;
      timeouts: number;
      crashes: number;
      demoted: number;
      suspensions: number;
      refusedSuspended: number;
      suspendedMs: number;
      throttledCalls: number;
      droppedLogLines: number;
    };
  }[];
  providers: {
    name: string;
    kind: string;
    ref: string;
    app?: string;
    version?: string;
    interfaces: string[];
    startedAt: string;
  }[];
}

export function inventoryEntry(p: Placement): Inventory['components'][number] {
  return {
    name: p.name,
    ref: p.ref,
    sha256: p.sha256,
    count: p.count,
    ...(p.app ? { app: p.app } : {}),
    ...(p.version ? { version: p.version } : {}),
    handlers: p.component.handlers,
    inFlight: p.inFlight,
    startedAt: p.startedAt,
    ...claimsSummary(p.claims),
    pool: poolSummary(p.component.stats()),
  };
}

function poolSummary(s: ComponentStats): NonNullable<Inventory['components'][number]['pool']> {
  return {
    started: s.started,
    timeouts: s.timeouts,
    crashes: s.crashes,
    demoted: s.demoted,
    suspensions: s.suspensions,
    refusedSuspended: s.refusedSuspended,
    suspendedMs: s.suspendedMs,
    throttledCalls: s.throttledCalls,
    droppedLogLines: s.droppedLogLines,
  };
}

/** The public part of a component's claims, for events and the inventory (never a secret). */
export function claimsSummary(claims: ComponentClaims | undefined): {
  signed: boolean;
  issuer?: string;
  subject?: string;
  caps?: string[];
  expires?: string;
} {
  if (!claims) return { signed: false };
  return {
    signed: true,
    issuer: claims.iss,
    subject: claims.sub,
    caps: [...claims.aloft.caps],
    ...(claims.exp !== undefined ? { expires: new Date(claims.exp * 1000).toISOString() } : {}),
  };
}

import type { ComponentLimits, Manifest } from './manifest/types.ts';

/**
 * The data `reconcile` works on. Desired: the deployed applications. Observed: the live hosts and
 * what runs on them, the links and the named configs, as the executor last saw them. Everything
 * is plain data so two reconcilers given the same input decide the same.
 */

/** One application as the reconciler should make it. */
export interface DesiredApp {
  manifest: Manifest;
  /** The deployed version (the manifest's, or one generated when it had none). */
  version: string;
  /** False: undeploy: stop everything the app runs and remove its links and owned configs. */
  deployed: boolean;
}

/** What runs under one name on one host (a component's instance pool, or a provider). */
export interface ObservedWorkload {
  name: string;
  ref: string;
  /** Instances on this host (1 for a provider). */
  count: number;
  /** The application that placed it; undefined: started by hand, never touched by the reconciler. */
  app?: string;
  version?: string;
  /**
   * Milliseconds since which it has been running healthy (smaller: longer). Take it from the host
   * (e.g. its inventory's `startedAt`), not from the observer, so every reconciler sees the same value.
   */
  since: number;
  /** False when the host reports it failing (e.g. trapping); default true. */
  healthy?: boolean;
  /**
   * Known only from a command sent and not yet confirmed by the host (`applyCommands` with
   * `{ pending: true }`): never requested again, but not counted as running either, so nothing
   * it is meant to replace is stopped before the host confirms it.
   */
  pending?: boolean;
}

/** A live host. Hosts presumed lost are left out by the caller. */
export interface ObservedHost {
  hostId: string;
  labels: Record<string, string>;
  /** A cordoned host keeps what it runs but gets no new placements. */
  cordoned: boolean;
  components: ObservedWorkload[];
  providers: ObservedWorkload[];
}

/** A link as stored in the lattice (the protocol's `Link`). */
export interface LinkRecord {
  source: string;
  target: string;
  /** `namespace:package/interface`, e.g. `wasi:keyvalue/store`. */
  interface: string;
  name: string;
  config: Record<string, string>;
}

/** A recent failure to start a workload (e.g. from `component_start_failed`), for status. */
export interface StartFailure {
  hostId: string;
  name: string;
  ref: string;
  error: string;
}

export interface Observed {
  hosts: ObservedHost[];
  links: LinkRecord[];
  /** Named configs in the lattice, by name. */
  configs: Record<string, Record<string, string>>;
  /** Recent start failures; the caller decides how long "recent" is. */
  failures?: StartFailure[];
}

/** Fields every command carries: the app it acts for, and why, in words (for logs and status). */
interface Base {
  app: string;
  reason: string;
}

/**
 * What the executor should do; each maps to one control request (see `toControlRequest`).
 * `start` sets a component's instance count and image on a host (the host swaps a changed image
 * in before it retires the old one); `scale` changes only the count.
 */
export type Command =
  | (Base & {
      type: 'start';
      hostId: string;
      component: string;
      ref: string;
      count: number;
      version: string;
      limits?: ComponentLimits;
    })
  | (Base & { type: 'scale'; hostId: string; component: string; count: number; version: string })
  | (Base & { type: 'stop'; hostId: string; component: string })
  | (Base & {
      type: 'startProvider';
      hostId: string;
      provider: string;
      ref: string;
      config: Record<string, string>;
      version: string;
    })
  | (Base & { type: 'stopProvider'; hostId: string; provider: string })
  | (Base & { type: 'putConfig'; name: string; values: Record<string, string> })
  | (Base & { type: 'deleteConfig'; name: string })
  | (Base & { type: 'putLink'; link: LinkRecord })
  | (Base & { type: 'deleteLink'; source: string; interface: string; name: string });

export type CommandType = Command['type'];

/** Status of an application or one of its scalers. */
export type StatusState =
  'Deployed' | 'Reconciling' | 'Waiting' | 'Unhealthy' | 'Failed' | 'Undeployed';

export interface ScalerStatus {
  component: string;
  kind: 'spread' | 'daemon';
  state: StatusState;
  /** In words, e.g. `6 of 6 instances running on 6 hosts`. */
  reason: string;
  /** Instances wanted and instances running the desired image where they are wanted. */
  target: number;
  running: number;
}

export interface AppStatus {
  app: string;
  version: string;
  state: StatusState;
  reason: string;
  scalers: ScalerStatus[];
}

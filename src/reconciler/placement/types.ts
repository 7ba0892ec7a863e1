/** A host as placement sees it for one workload (hosts where another app holds the name are left out). */
export interface Candidate {
  hostId: string;
  labels: Record<string, string>;
  cordoned: boolean;
  /** This workload's instances on the host, whatever their image; 0 when none. */
  units: number;
  /** Since when they have been healthy (smaller: longer); `Infinity` when none. */
  since: number;
  healthy: boolean;
  /** They run the desired image (so an upgrade keeps the upgraded copies over old ones). */
  current: boolean;
  /** Instances of every workload on the host, to spread new ones over the least loaded. */
  load: number;
}

/** How one spread fared. */
export interface SpreadOutcome {
  name: string;
  /** Its share of `instances` (for a daemonscaler: `instances` × matching hosts). */
  target: number;
  placed: number;
  /** Placed on other hosts because none of its own was eligible. */
  onFallback: boolean;
  /** Replicas with no host to go to; `why` says why, in words. */
  unplaced: number;
  why?: string;
  /** Instances of this spread per host id. */
  at: Record<string, number>;
}

/** Instances wanted per host id (hosts not listed: none), and how each spread fared. */
export interface PlacementResult {
  perHost: Map<string, number>;
  spreads: SpreadOutcome[];
}

export function matches(
  labels: Record<string, string>,
  requirements: Record<string, string>,
): boolean {
  for (const [k, v] of Object.entries(requirements)) if (labels[k] !== v) return false;
  return true;
}

export function describeRequirements(requirements: Record<string, string>): string {
  const parts = Object.entries(requirements).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? 'any host' : parts.join(', ');
}

/** Pure planning of a simulated multi-cloud lattice. */

/** Regions the simulation gives each cloud (any other cloud name gets `<cloud>-1`). */
export const REGIONS: Readonly<Record<string, string>> = {
  aws: 'us-east-1',
  gcp: 'europe-west1',
  azure: 'westeurope',
};

export type SimTopology = 'cluster' | 'supercluster';

export interface SimOptions {
  clouds: string[];
  hostsPerCloud: number;
  topology: SimTopology;
  lattice: string;
  /**
   * Run NATS with accounts: the lattice's own account, each process on its role's credentials
   * (hosts `host`, reconcilers `reconciler`, ingresses `ingress`, the supervisor `admin`).
   */
  auth?: boolean;
}

export interface PlannedHost {
  cloud: string;
  region: string;
  name: string;
}

export const DEFAULT_SIM: SimOptions = {
  clouds: ['aws', 'gcp', 'azure'],
  hostsPerCloud: 2,
  topology: 'cluster',
  lattice: 'sim',
};

export function regionOf(cloud: string): string {
  return REGIONS[cloud] ?? `${cloud}-1`;
}

/** The hosts of a simulation: `<cloud>-<n>`, labelled with their cloud and region. */
export function planHosts(options: SimOptions): PlannedHost[] {
  return options.clouds.flatMap((cloud) =>
    Array.from({ length: options.hostsPerCloud }, (_, i) => ({
      cloud,
      region: regionOf(cloud),
      name: `${cloud}-${i + 1}`,
    })),
  );
}

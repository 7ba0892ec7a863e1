import type {
  ComponentSpec,
  DesiredApp,
  Manifest,
  Observed,
  ObservedHost,
  Scaler,
  Spread,
} from '../../src/reconciler/index.ts';

/** Builders for reconciler tests: small manifests and lattices as data. */
export const spread = (
  name: string,
  requirements: Record<string, string>,
  weight = 100,
  fallback: Spread['fallback'] = 'any',
): Spread => ({ name, requirements, weight, fallback });

export const component = (
  name: string,
  scaler: Scaler | undefined,
  over: Partial<ComponentSpec> = {},
): ComponentSpec => ({
  name,
  kind: 'component',
  image: `ghcr.io/example/${name}:1.0.0`,
  id: undefined,
  config: [],
  limits: undefined,
  idempotent: [],
  scaler,
  links: [],
  ...over,
});

export const app = (name: string, components: ComponentSpec[], version = 'v1'): DesiredApp => {
  const manifest: Manifest = {
    name,
    version,
    description: undefined,
    annotations: { version },
    components,
  };
  return { manifest, version, deployed: true };
};

export const host = (
  hostId: string,
  labels: Record<string, string> = {},
  over: Partial<ObservedHost> = {},
): ObservedHost => ({ hostId, labels, cordoned: false, components: [], providers: [], ...over });

export const lattice = (hosts: ObservedHost[], over: Partial<Observed> = {}): Observed => ({
  hosts,
  links: [],
  configs: {},
  ...over,
});

/** Instances of `component` per host id, for this app only. */
export function countsOf(o: Observed, component: string, app?: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of o.hosts) {
    const w = h.components.find(
      (x) => x.name === component && (app === undefined || x.app === app),
    );
    if (w) out[h.hostId] = w.count;
  }
  return out;
}

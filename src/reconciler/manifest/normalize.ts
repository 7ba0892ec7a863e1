import type { RawConfigEntry, RawManifest, RawSpread } from './schema.ts';
import type { ComponentSpec, ConfigRef, LinkSpec, Manifest, Scaler, Spread } from './types.ts';

/** wadm's weight when a spread does not give one. */
export const DEFAULT_WEIGHT = 100;

/** The validated raw manifest → the normalised {@link Manifest}. Assumes `checkManifest` passed. */
export function normalize(raw: RawManifest): Manifest {
  const annotations = raw.metadata.annotations ?? {};
  return {
    name: raw.metadata.name,
    version: annotations.version,
    description: annotations.description,
    annotations,
    components: raw.spec.components.map((c): ComponentSpec => {
      let scaler: Scaler | undefined;
      const links: LinkSpec[] = [];
      for (const t of c.traits ?? []) {
        if (t.type === 'link') {
          const p = t.properties;
          links.push({
            target: p.target.name,
            namespace: p.namespace,
            package: p.package,
            interfaces: p.interfaces,
            name: p.name ?? 'default',
            targetConfig: configs(p.target.config),
            sourceConfig: configs(p.source?.config),
          });
        } else if (scaler === undefined) {
          const instances = t.properties.instances ?? t.properties.replicas ?? 1;
          scaler = {
            kind: t.type === 'spreadscaler' ? 'spread' : 'daemon',
            instances:
              c.type === 'capability' && t.type === 'daemonscaler'
                ? Math.min(1, instances)
                : instances,
            spreads: (t.properties.spread ?? []).map(spread),
          };
        }
      }
      return {
        name: c.name,
        kind: c.type,
        image: c.properties.image ?? '',
        id: c.properties.id,
        config: configs(c.properties.config),
        limits: c.properties['aloft.dev/limits'],
        idempotent: c.properties['aloft.dev/idempotent'] ?? [],
        scaler,
        links,
      };
    }),
  };
}

function spread(s: RawSpread): Spread {
  return {
    name: s.name,
    requirements: s.requirements ?? {},
    weight: s.weight ?? DEFAULT_WEIGHT,
    fallback: s['aloft.dev/fallback'] ?? 'any',
  };
}

function configs(list: RawConfigEntry[] | undefined): ConfigRef[] {
  return (list ?? []).map((c) => ({ name: c.name, properties: c.properties }));
}

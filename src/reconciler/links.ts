import type { ConfigRef, Manifest } from './manifest/types.ts';
import type { Command, LinkRecord, Observed } from './model.ts';

/** Named configs the application declares with properties (it owns them), by name. */
export function ownedConfigs(manifest: Manifest): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const take = (list: ConfigRef[]): void => {
    for (const c of list) if (c.properties !== undefined) out.set(c.name, c.properties);
  };
  for (const c of manifest.components) {
    take(c.config);
    for (const l of c.links) {
      take(l.targetConfig);
      take(l.sourceConfig);
    }
  }
  return out;
}

/** Values of a config list merged in order: declared properties, else the lattice's config. */
export function mergeConfig(list: ConfigRef[], observed: Observed): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of list) Object.assign(out, c.properties ?? observed.configs[c.name] ?? {});
  return out;
}

/** Every link the manifest declares: one per interface, from the component holding the trait. */
export function desiredLinks(manifest: Manifest, observed: Observed): LinkRecord[] {
  const out: LinkRecord[] = [];
  for (const c of manifest.components) {
    for (const l of c.links) {
      const config = mergeConfig(l.targetConfig, observed);
      for (const iface of l.interfaces) {
        out.push({
          source: c.name,
          target: l.target,
          interface: `${l.namespace}:${l.package}/${iface}`,
          name: l.name,
          config,
        });
      }
    }
  }
  return out;
}

const linkKey = (l: { source: string; interface: string; name: string }): string =>
  `${l.source}\u0000${l.interface}\u0000${l.name}`;

/**
 * Config and link commands for one application: put what is missing or different; delete links
 * whose source belongs to the app (`sources`) but that the manifest no longer declares. When the
 * app is undeployed (`manifest` undefined) its links and owned configs go.
 */
export function linkCommands(
  app: string,
  manifest: Manifest,
  deployed: boolean,
  sources: ReadonlySet<string>,
  observed: Observed,
): { put: Command[]; remove: Command[] } {
  const put: Command[] = [];
  const remove: Command[] = [];
  const configs = ownedConfigs(manifest);
  for (const [name, values] of [...configs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const have = observed.configs[name];
    if (!deployed) {
      if (have) remove.push({ type: 'deleteConfig', app, name, reason: 'application undeployed' });
    } else if (!have || !sameRecord(have, values)) {
      put.push({
        type: 'putConfig',
        app,
        name,
        values,
        reason: have ? 'config changed' : 'config missing',
      });
    }
  }
  const want = deployed ? desiredLinks(manifest, observed) : [];
  const wanted = new Map(want.map((l) => [linkKey(l), l]));
  const have = new Map(observed.links.map((l) => [linkKey(l), l]));
  for (const l of want) {
    const h = have.get(linkKey(l));
    if (!h || h.target !== l.target || !sameRecord(h.config, l.config)) {
      put.push({ type: 'putLink', app, link: l, reason: h ? 'link changed' : 'link missing' });
    }
  }
  for (const l of [...observed.links].sort((a, b) => (linkKey(a) < linkKey(b) ? -1 : 1))) {
    if (!sources.has(l.source) || wanted.has(linkKey(l))) continue;
    remove.push({
      type: 'deleteLink',
      app,
      source: l.source,
      interface: l.interface,
      name: l.name,
      reason: deployed ? 'link no longer declared' : 'application undeployed',
    });
  }
  return { put, remove };
}

export function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

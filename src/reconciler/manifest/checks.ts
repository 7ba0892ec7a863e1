import { checkImageRef } from './image-ref.ts';
import { formatPath } from './problems.ts';
import type { RawComponent, RawConfigEntry, RawManifest } from './schema.ts';

/** A problem found after the shape was valid: cross-field rules the schema cannot express. */
export interface Finding {
  severity: 'error' | 'warning';
  path: PropertyKey[];
  message: string;
}

/** Rules across fields: names unique, links resolvable, one scaler per component, image syntax. */
export function checkManifest(m: RawManifest): Finding[] {
  const out: Finding[] = [];
  const err = (path: PropertyKey[], message: string): void => {
    out.push({ severity: 'error', path, message });
  };
  const warn = (path: PropertyKey[], message: string): void => {
    out.push({ severity: 'warning', path, message });
  };

  if (m.metadata.annotations?.version === undefined) {
    warn(
      ['metadata'],
      'no annotations.version: each put gets a generated version; pin one to roll back by name',
    );
  }
  if (m.spec.policies !== undefined) {
    warn(['spec', 'policies'], 'policies are not supported by Aloft and are ignored');
  }

  const names = new Map<string, number>();
  m.spec.components.forEach((c, i) => {
    const first = names.get(c.name);
    if (first !== undefined) {
      err(
        ['spec', 'components', i, 'name'],
        `duplicate component name "${c.name}" (also spec.components[${first}])`,
      );
    } else names.set(c.name, i);
  });

  const configs = new Map<string, { values: string; path: string }>();
  const checkConfigs = (list: RawConfigEntry[] | undefined, path: PropertyKey[]): void => {
    list?.forEach((entry, j) => {
      if (entry.properties === undefined) return;
      const values = JSON.stringify(Object.entries(entry.properties).sort());
      const here = [...path, j];
      const seen = configs.get(entry.name);
      if (seen && seen.values !== values) {
        err(
          [...here, 'name'],
          `config "${entry.name}" is declared again with different properties (first at ${seen.path})`,
        );
      } else if (!seen) configs.set(entry.name, { values, path: formatPath(here) });
    });
  };

  m.spec.components.forEach((c, i) => {
    const base: PropertyKey[] = ['spec', 'components', i];
    checkComponent(c, base, names, err, warn);
    checkConfigs(c.properties.config, [...base, 'properties', 'config']);
    c.traits?.forEach((t, k) => {
      if (t.type !== 'link') return;
      const p = [...base, 'traits', k, 'properties'];
      checkConfigs(t.properties.target.config, [...p, 'target', 'config']);
      checkConfigs(t.properties.source?.config, [...p, 'source', 'config']);
    });
  });
  return out;
}

type Report = (path: PropertyKey[], message: string) => void;

function checkComponent(
  c: RawComponent,
  base: PropertyKey[],
  names: Map<string, number>,
  err: Report,
  warn: Report,
): void {
  const props = [...base, 'properties'];
  if (c.properties.application !== undefined) {
    err(
      [...props, 'application'],
      'shared components (properties.application) are not supported by Aloft yet; copy the component into this manifest with its image',
    );
  } else if (c.properties.image === undefined) {
    err([...props, 'image'], 'missing (expected an image reference, e.g. ghcr.io/org/name:1.0)');
  } else {
    const check = checkImageRef(c.properties.image);
    if (check.ok && check.warning) warn([...props, 'image'], check.warning);
  }
  if (c.properties.secrets !== undefined) {
    warn([...props, 'secrets'], 'secrets are not supported by Aloft yet and are ignored');
  }

  let scaler: number | undefined;
  const links = new Map<string, number>();
  c.traits?.forEach((t, k) => {
    const path = [...base, 'traits', k];
    if (t.type === 'link') {
      const p = t.properties;
      if (!names.has(p.target.name)) {
        err(
          [...path, 'properties', 'target', 'name'],
          `link target "${p.target.name}" is not a component of this application (components: ${[...names.keys()].join(', ')})`,
        );
      } else if (p.target.name === c.name) {
        err([...path, 'properties', 'target', 'name'], 'a component cannot link to itself');
      }
      for (const iface of p.interfaces) {
        const key = `${p.namespace}:${p.package}/${iface}#${p.name ?? 'default'}`;
        const first = links.get(key);
        if (first !== undefined) {
          err(
            [...path, 'properties', 'interfaces'],
            `${p.namespace}:${p.package}/${iface} is already linked by traits[${first}] under the same link name "${p.name ?? 'default'}"; give one of them another name`,
          );
        } else links.set(key, k);
      }
      return;
    }
    if (scaler !== undefined) {
      err(
        [...path, 'type'],
        `a component has at most one spreadscaler or daemonscaler (another is traits[${scaler}])`,
      );
      return;
    }
    scaler = k;
    const p = t.properties;
    if (p.instances !== undefined && p.replicas !== undefined) {
      err([...path, 'properties', 'replicas'], 'give instances or replicas, not both');
    } else if (p.instances === undefined && p.replicas === undefined) {
      err([...path, 'properties', 'instances'], 'missing (expected a positive integer)');
    }
    const spreadNames = new Set<string>();
    let total = 0;
    p.spread?.forEach((s, j) => {
      if (spreadNames.has(s.name)) {
        err([...path, 'properties', 'spread', j, 'name'], `duplicate spread name "${s.name}"`);
      }
      spreadNames.add(s.name);
      total += s.weight ?? 100;
    });
    if (t.type === 'spreadscaler' && p.spread && p.spread.length > 0 && total === 0) {
      err(
        [...path, 'properties', 'spread'],
        'every spread has weight 0: give at least one a positive weight',
      );
    }
    if (
      c.type === 'capability' &&
      t.type === 'daemonscaler' &&
      (p.instances ?? p.replicas ?? 1) > 1
    ) {
      warn(
        [...path, 'properties', 'instances'],
        'a host runs at most one instance of a capability; instances above 1 are treated as 1',
      );
    }
  });
  if (scaler === undefined) {
    warn(base, 'no spreadscaler or daemonscaler: this component is declared but never placed');
  }
}

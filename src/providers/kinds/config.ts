import {
  startWith,
  unknownFunction,
  type ProviderCall,
  type ProviderContext,
  type ProviderFactory,
} from '../provider.ts';

/** The named configs a call reads, in merge order: link config `names`, else the component's. */
export function configNames(call: ProviderCall): string[] {
  const names = (call.linkConfig.names ?? '').split(/[\s,]+/).filter((n) => n !== '');
  return names.length > 0 ? names : [call.component];
}

/** The merged values of `names` (later names win), read now from the lattice state. */
function merged(ctx: ProviderContext, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) Object.assign(out, ctx.namedConfig(name) ?? {});
  return out;
}

/**
 * `config-lattice`: `config.get` / `config.get-all` from named config in the lattice state
 * (`aloft config put <name> key=value …`), read at every call, so a change reaches running
 * components at once. Link config `names` (comma- or space-separated) lists the named configs
 * to merge, later ones winning; without it, the config named like the component. Every host
 * runs one as the default for components without a config link.
 */
export const configLattice: ProviderFactory = (ctx) =>
  startWith(() => ({
    interfaces: ['config'],
    handle: (call) => {
      if (call.interface !== 'config') return Promise.reject(unknownFunction(call));
      const values = merged(ctx, configNames(call));
      if (call.function === 'get') return Promise.resolve(values[call.args[0] as string]);
      if (call.function === 'get-all') return Promise.resolve(Object.entries(values));
      return Promise.reject(unknownFunction(call));
    },
    stop: () => Promise.resolve(),
  }));

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
    handle: (call) =>
      startWith(() => {
        if (call.interface !== 'config') throw unknownFunction(call);
        const values = merged(ctx, configNames(call));
        if (call.function === 'get') return values[call.args[0] as string];
        if (call.function === 'get-all') return Object.entries(values);
        throw unknownFunction(call);
      }),
    stop: () => Promise.resolve(),
  }));

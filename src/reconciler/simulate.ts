import type { Command, Observed, ObservedHost, ObservedWorkload } from './model.ts';

/**
 * The lattice as it would be once every command succeeded: for dry runs ("what would deploy do"),
 * for tests of convergence, and (with `pending`) to plan on top of commands still in flight.
 * New or re-imaged placements get `since = now`.
 *
 * @param options.pending mark what starts or grows as `pending` (sent, not yet confirmed): the
 *   next plan does not repeat it, and does not stop what it replaces until a host confirms it.
 */
export function applyCommands(
  observed: Observed,
  commands: readonly Command[],
  now: number,
  options: { pending?: boolean } = {},
): Observed {
  const mark = options.pending === true ? { pending: true } : {};
  const hosts = new Map<string, ObservedHost>(
    observed.hosts.map((h) => [
      h.hostId,
      {
        ...h,
        components: h.components.map((w) => ({ ...w })),
        providers: h.providers.map((w) => ({ ...w })),
      },
    ]),
  );
  const links = new Map(observed.links.map((l) => [`${l.source} ${l.interface} ${l.name}`, l]));
  const configs = { ...observed.configs };
  const put = (list: ObservedWorkload[], w: ObservedWorkload): void => {
    const i = list.findIndex((x) => x.name === w.name);
    if (i < 0) list.push(w);
    else list[i] = w;
  };
  for (const c of commands) {
    const host = 'hostId' in c ? hosts.get(c.hostId) : undefined;
    switch (c.type) {
      case 'start': {
        if (!host) break;
        const old = host.components.find((w) => w.name === c.component);
        const since = old && old.ref === c.ref ? old.since : now;
        put(host.components, {
          name: c.component,
          ref: c.ref,
          count: c.count,
          app: c.app,
          version: c.version,
          since,
          ...mark,
        });
        break;
      }
      case 'scale': {
        const w = host?.components.find((x) => x.name === c.component);
        if (host && w) {
          if (c.count === 0) host.components = host.components.filter((x) => x !== w);
          else {
            if (c.count > w.count) Object.assign(w, mark);
            w.count = c.count;
          }
        }
        break;
      }
      case 'stop':
        if (host) host.components = host.components.filter((x) => x.name !== c.component);
        break;
      case 'startProvider': {
        if (!host) break;
        const old = host.providers.find((w) => w.name === c.provider);
        const since = old && old.ref === c.ref ? old.since : now;
        put(host.providers, {
          name: c.provider,
          ref: c.ref,
          count: 1,
          app: c.app,
          version: c.version,
          since,
          ...mark,
        });
        break;
      }
      case 'stopProvider':
        if (host) host.providers = host.providers.filter((x) => x.name !== c.provider);
        break;
      case 'putConfig':
        configs[c.name] = { ...c.values };
        break;
      case 'deleteConfig':
        delete configs[c.name];
        break;
      case 'putLink':
        links.set(`${c.link.source} ${c.link.interface} ${c.link.name}`, { ...c.link });
        break;
      case 'deleteLink':
        links.delete(`${c.source} ${c.interface} ${c.name}`);
        break;
    }
  }
  return { ...observed, hosts: [...hosts.values()], links: [...links.values()], configs };
}

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

/**
 * Whether `observed` already shows the effect of `command` (or the command became moot because
 * its host is gone). The executor keeps a sent command as pending only until this holds, so the
 * next plan is made on what hosts report rather than on a fixed hold time.
 */
export function reflectedIn(command: Command, observed: Observed): boolean {
  const c = command;
  const host = 'hostId' in c ? observed.hosts.find((h) => h.hostId === c.hostId) : undefined;
  if ('hostId' in c && !host) return true;
  const component = (name: string): ObservedWorkload | undefined =>
    host?.components.find((w) => w.name === name);
  const provider = (name: string): ObservedWorkload | undefined =>
    host?.providers.find((w) => w.name === name);
  switch (c.type) {
    case 'start': {
      const w = component(c.component);
      return w !== undefined && w.ref === c.ref && w.count === c.count;
    }
    case 'scale':
      return c.count === 0 ? !component(c.component) : component(c.component)?.count === c.count;
    case 'stop':
      return !component(c.component);
    case 'startProvider':
      return provider(c.provider)?.ref === c.ref;
    case 'stopProvider':
      return !provider(c.provider);
    case 'putConfig':
      return JSON.stringify(observed.configs[c.name]) === JSON.stringify(c.values);
    case 'deleteConfig':
      return observed.configs[c.name] === undefined;
    case 'putLink':
      return observed.links.some(
        (l) =>
          l.source === c.link.source &&
          l.interface === c.link.interface &&
          l.name === c.link.name &&
          l.target === c.link.target &&
          JSON.stringify(l.config) === JSON.stringify(c.link.config),
      );
    case 'deleteLink':
      return !observed.links.some(
        (l) => l.source === c.source && l.interface === c.interface && l.name === c.name,
      );
  }
}

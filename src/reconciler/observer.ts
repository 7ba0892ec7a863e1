import type { NatsConnection } from '@nats-io/nats-core';
import { z } from 'zod';
import {
  CloudEvent,
  decodeJson,
  requestJson,
  subjectsFor,
  type HostsView,
  type LatticeState,
} from '../lattice/index.ts';
import { silentLogger, type Logger } from '../support/index.ts';
import type { Observed, ObservedHost, StartFailure } from './model.ts';

const Workload = z.object({
  name: z.string(),
  ref: z.string(),
  count: z.number().optional(),
  app: z.string().optional(),
  version: z.string().optional(),
  startedAt: z.string(),
});
const Inventory = z.object({
  hostId: z.string(),
  components: z.array(Workload),
  providers: z.array(Workload),
});
type Inventory = z.infer<typeof Inventory>;

/** The lattice as the reconciler sees it: live hosts with their full inventories, links, config. */
export interface LatticeObserver {
  /**
   * The observed state, or undefined while a live host's inventory is on its way (for at most
   * `staleAfterMs` / `missingAfterMs`, see {@link ObserverOptions}).
   */
  observed(): Observed | undefined;
  onChange(listener: () => void): () => void;
  stop(): void;
}

export interface ObserverOptions {
  /**
   * How long planning waits for a host's changed inventory before it plans on the one it has
   * (default 2 s): a changed inventory usually arrives in milliseconds, but a host that is
   * overloaded or half cut off must not stop the reconciler for the whole lattice.
   */
  staleAfterMs?: number;
  /**
   * How long planning waits for the first inventory of a host before it plans without that host
   * (default 5 s): nothing is placed on it and its instances are not counted until it answers,
   * so its share may be placed elsewhere meanwhile, and trimmed once it does.
   */
  missingAfterMs?: number;
}

/**
 * Builds the observed state from heartbeats (who is alive, and whether their inventory changed)
 * and on-demand inventories (what exactly runs there), plus the lattice state and recent
 * start failures. Lost hosts drop out at once, which is what makes a `host_lost` trigger
 * re-placement immediately.
 */
export function observeLattice(
  nc: NatsConnection,
  lattice: string,
  view: HostsView,
  state: LatticeState,
  logger: Logger = silentLogger,
  options: ObserverOptions = {},
): LatticeObserver {
  const s = subjectsFor(lattice);
  const staleAfterMs = options.staleAfterMs ?? 2000;
  const missingAfterMs = options.missingAfterMs ?? 5000;
  const inventories = new Map<string, { revision: number; inventory: Inventory }>();
  const fetching = new Set<string>();
  /** Per host: since when planning has waited for its current inventory. */
  const waitingSince = new Map<string, number>();
  let lastWaitLog = 0;
  const failures: (StartFailure & { at: number })[] = [];
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of listeners) l();
  };

  const fetch = async (hostId: string, revision: number): Promise<void> => {
    if (fetching.has(hostId)) return;
    fetching.add(hostId);
    try {
      const inventory = await requestJson(nc, s.control('host.inventory', hostId), {}, Inventory, {
        timeoutMs: 2000,
      });
      inventories.set(hostId, { revision, inventory });
      changed();
    } catch (err) {
      logger.debug('inventory fetch failed', { hostId, error: err });
    } finally {
      fetching.delete(hostId);
    }
  };

  const offView = view.onChange((c) => {
    if (c.type === 'lost' || c.type === 'left') {
      inventories.delete(c.hostId);
      waitingSince.delete(c.hostId);
      changed();
      return;
    }
    const have = inventories.get(c.hostId)?.revision;
    const rev = c.entry.inventoryRevision ?? 0;
    if (have !== rev) void fetch(c.hostId, rev);
    else if (c.type === 'joined') changed();
  });
  const offState = state.onChange(changed);
  const failSub = nc.subscribe(s.event('component_start_failed'), {
    callback: (_e, m) => {
      try {
        const ev = decodeJson(m.data, CloudEvent, 'event');
        const str = (v: unknown): string => (typeof v === 'string' ? v : '');
        failures.push({
          hostId: str(ev.data.hostId),
          name: str(ev.data.name),
          ref: str(ev.data.ref),
          error: str(ev.data.error),
          at: performance.now(),
        });
        if (failures.length > 100) failures.shift();
        changed();
      } catch {
        // not an event we understand
      }
    },
  });

  return {
    observed() {
      const hosts: ObservedHost[] = [];
      const now = performance.now();
      let wait = false;
      const late: { hostId: string; waitedMs: number; planning: string }[] = [];
      for (const e of view.entries()) {
        const inv = inventories.get(e.hostId);
        if (!inv || inv.revision !== (e.inventoryRevision ?? 0)) {
          void fetch(e.hostId, e.inventoryRevision ?? 0);
          const since = waitingSince.get(e.hostId) ?? now;
          waitingSince.set(e.hostId, since);
          const waited = now - since;
          if (!inv) {
            if (waited < missingAfterMs) wait = true;
            else late.push({ hostId: e.hostId, waitedMs: waited, planning: 'without it' });
            continue;
          }
          if (waited < staleAfterMs) {
            wait = true;
            continue;
          }
          late.push({ hostId: e.hostId, waitedMs: waited, planning: 'on its last inventory' });
        } else {
          waitingSince.delete(e.hostId);
        }
        hosts.push({
          hostId: e.hostId,
          labels: e.labels,
          cordoned: e.cordoned,
          components: inv.inventory.components.map((w) => ({
            name: w.name,
            ref: w.ref,
            count: w.count ?? 1,
            ...(w.app ? { app: w.app } : {}),
            ...(w.version ? { version: w.version } : {}),
            since: Date.parse(w.startedAt),
          })),
          providers: inv.inventory.providers.map((w) => ({
            name: w.name,
            ref: w.ref,
            count: 1,
            ...(w.app ? { app: w.app } : {}),
            ...(w.version ? { version: w.version } : {}),
            since: Date.parse(w.startedAt),
          })),
        });
      }
      if (wait) return undefined;
      if (late.length > 0 && now - lastWaitLog > 5000) {
        lastWaitLog = now;
        logger.warn('hosts have not sent their inventory: planning goes on without waiting', {
          hosts: late.map((l) => ({ ...l, waitedMs: Math.round(l.waitedMs) })),
        });
      }
      const configs: Record<string, Record<string, string>> = {};
      for (const name of state.configNames()) configs[name] = state.config(name) ?? {};
      const recent = failures.filter((f) => performance.now() - f.at < 60_000);
      return {
        hosts: hosts.sort((a, b) => a.hostId.localeCompare(b.hostId)),
        links: state.links(),
        configs,
        failures: recent.map(({ at: _at, ...f }) => f),
      };
    },
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stop: () => {
      offView();
      offState();
      failSub.unsubscribe();
      listeners.clear();
    },
  };
}

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
  /** The observed state, or undefined while some live host's inventory is not yet known. */
  observed(): Observed | undefined;
  onChange(listener: () => void): () => void;
  stop(): void;
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
): LatticeObserver {
  const s = subjectsFor(lattice);
  const inventories = new Map<string, { revision: number; inventory: Inventory }>();
  const fetching = new Set<string>();
  /** Since when planning has waited for an inventory (undefined: it has not). */
  let waitingSince: number | undefined;
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
      for (const e of view.entries()) {
        const inv = inventories.get(e.hostId);
        if (!inv || inv.revision !== (e.inventoryRevision ?? 0)) {
          void fetch(e.hostId, e.inventoryRevision ?? 0);
          waitingSince ??= performance.now();
          if (performance.now() - waitingSince > 2000 && performance.now() - lastWaitLog > 2000) {
            lastWaitLog = performance.now();
            logger.warn("planning waits for a host's inventory", {
              hostId: e.hostId,
              waitedMs: Math.round(performance.now() - waitingSince),
            });
          }
          return undefined;
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
      waitingSince = undefined;
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

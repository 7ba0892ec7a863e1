// A routing table that tests edit by hand (the transport under it stays real NATS).
import type { HostChange, HostEntry, HostsView } from '../../src/lattice/index.ts';

/** A host entry with nothing running, at `inventoryRevision`. */
export function hostEntry(hostId: string, inventoryRevision = 0): HostEntry {
  return {
    hostId,
    labels: {},
    cordoned: false,
    components: {},
    providers: [],
    inventoryRevision,
    load: { inFlight: 0, capacity: 1 },
    lastSeenMs: 0,
    intervalMs: 1000,
    suspectUntilMs: 0,
  };
}

/**
 * A hosts view whose entries the test sets (telling listeners as heartbeats would) and whose
 * ranking for every call is `rank`, best first.
 */
export function manualView(rank: string[] = []): HostsView & { set(e: HostEntry): void } {
  const hosts = new Map<string, HostEntry>();
  const listeners = new Set<(c: HostChange) => void>();
  return {
    set(e) {
      const type = hosts.has(e.hostId) ? 'updated' : 'joined';
      hosts.set(e.hostId, e);
      for (const l of listeners) l({ type, hostId: e.hostId, entry: e });
    },
    entries: () => [...hosts.values()],
    get: (id) => hosts.get(id),
    rank: () => [...rank],
    suspect: () => undefined,
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    waitFor: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

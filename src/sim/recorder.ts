import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  CloudEvent,
  decodeJson,
  eventType,
  subjectsFor,
  watchHosts,
  type HostsView,
} from '../lattice/index.ts';
import { systemClock, type Clock } from '../support/index.ts';
import { appendRecord, resetJournal, type PlacementRecord } from './journal.ts';
import type { LoadSecond } from './load.ts';

/** The lattice events a report needs: hosts coming and going, instances starting and stopping. */
const RECORDED = new Set([
  'host_started',
  'host_stopped',
  'host_lost',
  'component_started',
  'component_scaled',
  'component_stopped',
  'component_start_failed',
]);

/** Writes a simulation run's journal: per-second load, lattice events and placement changes. */
export interface Recorder {
  /** The load generator's hook: one call per second of load. */
  second(s: LoadSecond): void;
  stop(): Promise<void>;
}

/**
 * Starts a fresh journal in `file` and records into it until stopped: every lattice event in
 * {@link RECORDED} (with the host's cloud), and the instances of `component` per cloud whenever
 * the heartbeats show them change.
 */
export async function startRecorder(options: {
  nc: NatsConnection;
  lattice: string;
  file: string;
  component: string;
  desired: Record<string, number>;
  ratePerCloud?: number;
  topology?: string;
  clock?: Clock;
}): Promise<Recorder> {
  const clock = options.clock ?? systemClock;
  const { file, component } = options;
  resetJournal(file);
  appendRecord(file, {
    type: 'start',
    at: clock.now(),
    component,
    desired: options.desired,
    ...(options.ratePerCloud !== undefined ? { ratePerCloud: options.ratePerCloud } : {}),
    ...(options.topology ? { topology: options.topology } : {}),
  });
  const view: HostsView = await watchHosts(options.nc, { lattice: options.lattice });
  const clouds = new Map<string, string>();
  const names = new Map<string, string>();
  let last = '';
  const snapshot = (): void => {
    const instances: Record<string, number> = {};
    const hosts: Record<string, number> = {};
    for (const cloud of Object.keys(options.desired)) {
      instances[cloud] = 0;
      hosts[cloud] = 0;
    }
    for (const e of view.entries()) {
      const cloud = e.labels.cloud ?? 'unknown';
      clouds.set(e.hostId, cloud);
      instances[cloud] = (instances[cloud] ?? 0) + (e.components[component] ?? 0);
      hosts[cloud] = (hosts[cloud] ?? 0) + 1;
    }
    const key = JSON.stringify([instances, hosts]);
    if (key === last) return;
    last = key;
    const record: PlacementRecord = { type: 'placement', at: clock.now(), instances, hosts };
    appendRecord(file, record);
  };
  const off = view.onChange(snapshot);
  snapshot();

  const sub: Subscription = options.nc.subscribe(subjectsFor(options.lattice).eventsAll);
  const done = (async () => {
    for await (const m of sub) {
      let ev: CloudEvent;
      try {
        ev = decodeJson(m.data, CloudEvent, 'event');
      } catch {
        continue;
      }
      const type = eventType(ev);
      if (!type || !RECORDED.has(type)) continue;
      const data = ev.data;
      const hostId = typeof data.hostId === 'string' ? data.hostId : ev.subject;
      const labels = (data.labels ?? {}) as Record<string, unknown>;
      if (type === 'host_started' && hostId && typeof data.name === 'string')
        names.set(hostId, data.name);
      const cloud =
        (typeof labels.cloud === 'string' ? labels.cloud : undefined) ??
        (hostId ? (view.get(hostId)?.labels.cloud ?? clouds.get(hostId)) : undefined);
      const name = hostId ? names.get(hostId) : undefined;
      const at = Date.parse(ev.time);
      appendRecord(file, {
        type: 'event',
        at: Number.isFinite(at) ? at : clock.now(),
        event: type,
        ...(hostId ? { hostId } : {}),
        ...(cloud ? { cloud } : {}),
        ...(name ? { name } : {}),
      });
    }
  })();

  return {
    second: (s) =>
      appendRecord(file, {
        type: 'second',
        at: clock.now(),
        servedBy: s.servedBy,
        errors: s.errors,
        p50Ms: s.p50Ms,
        p99Ms: s.p99Ms,
      }),
    stop: async () => {
      off();
      sub.unsubscribe();
      await done;
      await view.stop();
    },
  };
}

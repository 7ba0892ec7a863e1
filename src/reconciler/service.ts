import type { NatsConnection } from '@nats-io/nats-core';
import {
  bucketsFor,
  encodeJson,
  LatticeCodes,
  latticeJetStream,
  openLatticeState,
  watchHosts,
  type HostsView,
  type LatticeState,
} from '../lattice/index.ts';
import { Kvm } from '@nats-io/kv';
import { silentLogger, type Logger } from '../support/index.ts';
import type { MetricsRegistry } from '../telemetry/index.ts';
import { openAppStore, type AppStore } from './app-store.ts';
import { createExecutor } from './executor.ts';
import { startLease, type Lease, type LeaseOptions } from './lease-nats.ts';
import type { AppStatus } from './model.ts';
import { observeReconciler } from './metrics.ts';
import { observeLattice } from './observer.ts';
import { planApps } from './reconcile.ts';
import { applyCommands, reflectedIn } from './simulate.ts';

export interface Reconciler {
  readonly id: string;
  readonly lease: Lease;
  readonly apps: AppStore;
  /** The last computed status of every application. */
  statuses(): AppStatus[];
  /** Runs one reconciliation now (for tests); resolves when its commands were sent. */
  reconcileNow(): Promise<void>;
  stop(): Promise<void>;
}

export interface ReconcilerOptions {
  nc: NatsConnection;
  lattice: string;
  /** This reconciler's identity in the lease. */
  id: string;
  /** Every reconciler's id, this one's included: the lease's voters. Default: this one alone. */
  peers?: readonly string[];
  logger?: Logger;
  lease?: Omit<LeaseOptions, 'peers' | 'logger' | 'epochFloor'>;
  /** Periodic reconciliation even without events. Default 1000 ms. */
  tickMs?: number;
  /** The process's metrics registry: the reconciler adds its metrics (docs/observability.md). */
  metrics?: MetricsRegistry;
}

/**
 * A reconciler: watches hosts, the lattice state and the application store; while it holds the
 * lease, turns `planApps(desired, observed)` into control commands. One runs per `peers` entry;
 * the one a majority of them grants the lease acts. Status per application is written to the apps
 * bucket (`status.<app>`) for `aloft app status`, without ever waiting for it.
 */
export async function startReconciler(options: ReconcilerOptions): Promise<Reconciler> {
  const { nc, lattice, id } = options;
  const log = (options.logger ?? silentLogger).child({ reconciler: id });
  const view: HostsView = await watchHosts(nc, {
    lattice,
    logger: log,
    reportLossAs: `aloft://${lattice}/reconciler/${id}`,
  });
  const state: LatticeState = await openLatticeState(nc, lattice);
  await state.ready();
  const apps = await openAppStore(nc, lattice);
  const statusKv = await new Kvm(latticeJetStream(nc)).open(bucketsFor(lattice).apps);
  const lease = await startLease(nc, lattice, id, {
    ...options.lease,
    ...(options.peers ? { peers: options.peers } : {}),
    logger: log,
    // A new epoch must exceed what hosts already obey, even if every reconciler restarted.
    epochFloor: () => Math.max(0, ...view.entries().map((e) => e.epoch ?? 0)),
  });
  const observer = observeLattice(nc, lattice, view, state, log);
  const metrics = options.metrics
    ? observeReconciler(options.metrics, { nc, view, lease, id, lattice })
    : undefined;
  const executor = createExecutor(nc, lattice, {
    logger: log,
    ...(metrics ? { onSent: metrics.sent } : {}),
    // Nobody at a host's control subject: its connection is gone. Probe it now (and declare it
    // lost) rather than wait for its heartbeats to be missed.
    onNoResponders: (hostId) => view.suspect(hostId, 2000, LatticeCodes.NO_RESPONDERS),
    // A host whose heartbeat is overdue may hang: commanding it could hold the app's queue.
    reachable: (hostId) => {
      const e = view.get(hostId);
      return e !== undefined && performance.now() - e.lastSeenMs <= 1.5 * e.intervalMs;
    },
  });
  let statuses: AppStatus[] = [];
  let lastStatusJson = '';
  let statusWrites: Promise<void> = Promise.resolve();
  let latestStatuses: AppStatus[] | undefined;
  let writingStatuses = false;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const round = async (): Promise<void> => {
    if (!lease.isLeader()) return;
    const observed = observer.observed();
    if (!observed) {
      log.debug('waiting for inventories before planning');
      return; // an inventory is still on its way: do not plan on a partial view
    }
    const t0 = performance.now();
    const desired = desiredState.current();
    const now = Date.now();
    executor.settle((c) => reflectedIn(c, observed));
    const planned = applyCommands(observed, executor.pending(performance.now()), now, {
      pending: true,
    });
    const plan = planApps(desired, planned);
    statuses = planApps(desired, observed).statuses;
    // Planning may have taken a while: renew before acting on it.
    if (plan.commands.length > 0 && (await lease.confirm())) {
      log.info('reconciling', { commands: plan.commands.length, epoch: lease.epoch() });
      executor.execute(plan.commands, lease.epoch(), () => lease.isLeader());
    }
    metrics?.round((performance.now() - t0) / 1000);
    const json = JSON.stringify(statuses);
    if (json !== lastStatusJson) {
      lastStatusJson = json;
      writeStatuses(statuses);
    }
  };
  /** One write at a time, of the latest statuses; never awaited by a round, so decisions go on
   * while a stream elects a leader. A failed write is retried at the next round. */
  const writeStatuses = (batch: AppStatus[]): void => {
    latestStatuses = batch;
    if (writingStatuses) return;
    writingStatuses = true;
    statusWrites = (async () => {
      while (latestStatuses) {
        const next: AppStatus[] = latestStatuses;
        latestStatuses = undefined;
        try {
          for (const st of next)
            await statusKv.put(`status.${st.app.replace(/[^A-Za-z0-9_-]/g, '_')}`, encodeJson(st));
        } catch (err) {
          lastStatusJson = '';
          log.debug('status write failed; retried at the next round', { error: err });
        }
      }
      writingStatuses = false;
    })();
  };
  /** Coalesces triggers: one round at a time, and one more if something happened meanwhile. */
  const trigger = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = round()
      .catch((err: unknown) => log.warn('reconciliation failed', { error: err }))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          trigger();
        }
      });
  };

  const offObserver = observer.onChange(trigger);
  const offLease = lease.onChange(trigger);
  const desiredState = await apps.watchDesired(trigger);
  const timer = setInterval(trigger, options.tickMs ?? 1000);
  trigger();

  return {
    id,
    lease,
    apps,
    statuses: () => statuses,
    reconcileNow: async () => {
      trigger();
      await running;
      await executor.idle();
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      offObserver();
      offLease();
      desiredState.stop();
      await running;
      await executor.idle();
      await statusWrites;
      observer.stop();
      await lease.stop();
      await view.stop();
      await state.stop();
    },
  };
}

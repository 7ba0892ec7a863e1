import type { NatsConnection } from '@nats-io/nats-core';
import {
  bucketsFor,
  encodeJson,
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
import { startLease, type Lease, type LeaseOptions } from './lease-kv.ts';
import type { AppStatus } from './model.ts';
import { observeReconciler } from './metrics.ts';
import { observeLattice } from './observer.ts';
import { planApps } from './reconcile.ts';
import { applyCommands } from './simulate.ts';

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
  logger?: Logger;
  lease?: LeaseOptions;
  /** Periodic reconciliation even without events. Default 1000 ms. */
  tickMs?: number;
  /** The process's metrics registry: the reconciler adds its metrics (docs/observability.md). */
  metrics?: MetricsRegistry;
}

/**
 * A reconciler: watches hosts, the lattice state and the application store; while it holds the
 * lease, turns `planApps(desired, observed)` into control commands. Any number may run; one acts.
 * Status per application is written to the apps bucket (`status.<app>`) for `aloft app status`.
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
  const lease = await startLease(nc, lattice, id, { ...options.lease, logger: log });
  const observer = observeLattice(nc, lattice, view, state, log);
  const metrics = options.metrics
    ? observeReconciler(options.metrics, { nc, view, lease, id, lattice })
    : undefined;
  const executor = createExecutor(nc, lattice, {
    logger: log,
    ...(metrics ? { onSent: metrics.sent } : {}),
  });
  let statuses: AppStatus[] = [];
  let lastStatusJson = '';
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
    const planned = applyCommands(observed, executor.pending(performance.now()), now, {
      pending: true,
    });
    const plan = planApps(desired, planned);
    statuses = planApps(desired, observed).statuses;
    if (plan.commands.length > 0 && lease.isLeader()) {
      log.info('reconciling', { commands: plan.commands.length, epoch: lease.epoch() });
      executor.execute(plan.commands, lease.epoch());
    }
    metrics?.round((performance.now() - t0) / 1000);
    const json = JSON.stringify(statuses);
    if (json !== lastStatusJson) {
      lastStatusJson = json;
      for (const st of statuses)
        await statusKv.put(`status.${st.app.replace(/[^A-Za-z0-9_-]/g, '_')}`, encodeJson(st));
    }
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
      observer.stop();
      await lease.stop();
      await view.stop();
      await state.stop();
    },
  };
}

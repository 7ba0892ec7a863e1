import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectLattice, type LatticeConnectionOptions } from '../lattice/index.ts';
import {
  AloftError,
  deferred,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
} from '../support/index.ts';
import { cloudOf, expire, sample } from './model.ts';
import { createDashboardServer, type RouteHandler } from './server.ts';
import { watchLattice, type LatticeSource } from './source.ts';
import { buildView, SIM_ACTIONS, type DashboardView, type SimAction } from './view.ts';

/**
 * The simulation's fault operations, passed in by whoever runs the simulation (the web domain
 * does not import it). Each throws an `AloftError` when it cannot act; one that does not exist in
 * this build throws with code `UNAVAILABLE`.
 */
export interface SimControls {
  /** The simulated clouds with their region and what the last fault did to them. */
  clouds(): Record<string, { region: string; condition: string }>;
  kill(cloud: string): void | Promise<void>;
  hang(cloud: string): void | Promise<void>;
  partition(cloud: string): void | Promise<void>;
  restore(cloud: string): void | Promise<void>;
  /** Resumes hung processes and heals partitions (every cloud when `cloud` is absent). */
  heal(cloud?: string): void | Promise<void>;
  /** Actions to show as not available (their callback still explains why). */
  unavailable?: SimAction[];
}

export interface DashboardOptions {
  lattice: string;
  /** How to reach NATS (the dashboard holds its own connection). */
  connection: Omit<LatticeConnectionOptions, 'logger' | 'name'>;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1 (the fault buttons are not for the network). */
  listen?: string;
  sim?: SimControls;
  /** Extra pages on the same server, by path (e.g. `/join` for browser hosts). */
  routes?: Record<string, RouteHandler>;
  clock?: Clock;
  logger?: Logger;
}

export type DashboardState = 'running' | 'stopping' | 'stopped';

export interface Dashboard {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  state(): DashboardState;
  /** What the page shows now. */
  view(): DashboardView;
  stop(): Promise<void>;
  closed(): Promise<void>;
}

/** How often time-driven things happen: loss by silence, the chart's samples. */
const TICK_MS = 1000;

/**
 * Starts the live dashboard: watches the lattice over NATS and serves the page on HTTP.
 *
 * @example
 * const dash = await startDashboard({ lattice: 'default', connection: { servers: 'nats://127.0.0.1:4222' } });
 * console.log(dash.url);
 * await dash.stop();
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const nc: NatsConnection = await connectLattice({
    ...options.connection,
    name: 'aloft-dashboard',
    logger: log,
  });
  let source: LatticeSource;
  try {
    source = await watchLattice(nc, { lattice: options.lattice, clock, logger: log });
  } catch (err) {
    await nc.close();
    throw err;
  }
  const sim = options.sim;
  const simActions = sim
    ? (Object.fromEntries(SIM_ACTIONS.map((a) => [a, !sim.unavailable?.includes(a)])) as Record<
        SimAction,
        boolean
      >)
    : undefined;
  const view = (): DashboardView =>
    buildView(source.model, {
      lattice: options.lattice,
      nowMs: clock.monotonic(),
      wallMs: clock.now(),
      ...(sim ? { simClouds: sim.clouds(), simActions } : {}),
    });
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of listeners) l();
  };
  source.onChange(notify);
  const tick = (): void => {
    const now = clock.monotonic();
    expire(source.model, now);
    const clouds = new Set(Object.keys(sim?.clouds() ?? {}));
    for (const r of source.model.hosts.values()) clouds.add(cloudOf(r.beat));
    sample(source.model, [...clouds], now, clock.now());
    notify();
  };
  const timer = setInterval(tick, TICK_MS);
  timer.unref?.();

  const act = sim
    ? async (action: SimAction, cloud: string | undefined): Promise<string> => {
        if (action === 'heal') await sim.heal(cloud);
        else await sim[action](cloud ?? '');
        notify();
        return `${action}${cloud ? ` ${cloud}` : ''}: done`;
      }
    : undefined;
  const server: Server = createDashboardServer({
    view,
    ...(act ? { act } : {}),
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    routes: options.routes ?? {},
    logger: log,
  });
  const listen = options.listen ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, listen, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(timer);
    await source.stop();
    await nc.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new AloftError(
      code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'DASHBOARD_LISTEN_FAILED',
      code === 'EADDRINUSE'
        ? `port ${options.port ?? 0} is already in use on ${listen}`
        : `cannot listen on ${listen}:${options.port ?? 0}: ${(err as Error).message}`,
      { cause: err, hint: 'choose another with --port, or --port 0 for any free port' },
    );
  }
  const port = (server.address() as AddressInfo).port;
  const host = listen.includes(':') ? `[${listen}]` : listen === '0.0.0.0' ? '127.0.0.1' : listen;
  let state: DashboardState = 'running';
  const done = deferred<void>();
  log.info('dashboard listening', { port, lattice: options.lattice });

  return {
    url: `http://${host}:${port}/`,
    port,
    state: () => state,
    view,
    stop: async () => {
      if (state !== 'running') return done.promise;
      state = 'stopping';
      clearInterval(timer);
      listeners.clear();
      server.closeAllConnections(); // SSE streams never end on their own
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await source.stop();
      await nc.close();
      state = 'stopped';
      done.resolve();
    },
    closed: () => done.promise,
  };
}

import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  createCaller,
  watchHosts,
  type CallOutcome,
  type HostsView,
} from '../lattice/index.ts';

/** One second of traffic, as the live view and `sim report` show it. */
export interface LoadSecond {
  /** Seconds since the load started. */
  t: number;
  /** Successful calls per serving cloud. */
  servedBy: Record<string, number>;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadGenerator {
  history: LoadSecond[];
  /** Calls so far; `…ByOrigin` count them by the cloud whose ingress made the call. */
  totals(): {
    ok: number;
    errors: number;
    okByOrigin: Record<string, number>;
    errorsByOrigin: Record<string, number>;
    /** Failures by `<origin> <error code>`, e.g. `aws TIMEOUT`. */
    errorCodes: Record<string, number>;
  };
  stop(): Promise<void>;
}

/**
 * Drives calls to `component` from every cloud, as an ingress there would: each cloud's load has
 * its own connection to that cloud's NATS servers, its own routing table and a caller labelled
 * with the cloud. `ratePerCloud` calls per second each, tallied per second by the cloud that
 * served them. Bounded: it stops by itself after `maxSeconds`.
 */
export async function startLoad(options: {
  lattice: string;
  /** NATS URLs per cloud. */
  urls: Record<string, string[]>;
  component: string;
  operation: string;
  ratePerCloud: number;
  maxSeconds: number;
  /** Only these clouds originate traffic (the survivors' ingresses). */
  activeClouds?: () => string[];
}): Promise<LoadGenerator> {
  const clouds = Object.keys(options.urls);
  const ingress = await Promise.all(
    clouds.map(async (cloud) => {
      const nc: NatsConnection = await connectLattice({
        servers: options.urls[cloud] ?? [],
        name: `load ${cloud}`,
      });
      // The ingress is part of the platform: like a host's, its view reports the losses it notices.
      const view: HostsView = await watchHosts(nc, {
        lattice: options.lattice,
        reportLossAs: `aloft://${options.lattice}/ingress/${cloud}`,
      });
      return { cloud, nc, view };
    }),
  );
  const history: LoadSecond[] = [];
  let current = { servedBy: {} as Record<string, number>, errors: 0, latencies: [] as number[] };
  let ok = 0;
  let errors = 0;
  const cloudOf = (hostId: string | undefined): string => {
    for (const i of ingress) {
      const cloud = hostId ? i.view.get(hostId)?.labels.cloud : undefined;
      if (cloud) return cloud;
    }
    return 'unknown';
  };
  const errorsByOrigin: Record<string, number> = {};
  const okByOrigin: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  const observeFrom =
    (origin: string) =>
    (o: CallOutcome): void => {
      const tally = o.ok ? okByOrigin : errorsByOrigin;
      tally[origin] = (tally[origin] ?? 0) + 1;
      const key = `${origin} ${o.code ?? 'ERROR'}`;
      if (!o.ok) errorCodes[key] = (errorCodes[key] ?? 0) + 1;
      observe(o);
    };
  const observe = (o: CallOutcome): void => {
    if (o.ok) {
      ok++;
      const c = cloudOf(o.servedBy);
      current.servedBy[c] = (current.servedBy[c] ?? 0) + 1;
      current.latencies.push(o.ms);
    } else {
      errors++;
      current.errors++;
    }
  };
  const callers = new Map(
    ingress.map((i) => [
      i.cloud,
      createCaller(i.nc, {
        lattice: options.lattice,
        view: i.view,
        self: { labels: { cloud: i.cloud } },
        observe: observeFrom(i.cloud),
      }),
    ]),
  );
  const started = performance.now();
  const payload = new TextEncoder().encode('ping');
  const inFlight = new Set<Promise<unknown>>();
  const tick = setInterval(() => {
    const sorted = [...current.latencies].sort((a, b) => a - b);
    const pct = (p: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    history.push({
      t: Math.round((performance.now() - started) / 1000),
      servedBy: current.servedBy,
      errors: current.errors,
      p50Ms: pct(50),
      p99Ms: pct(99),
    });
    current = { servedBy: {}, errors: 0, latencies: [] };
  }, 1000);
  const interval = 1000 / options.ratePerCloud;
  const fire = setInterval(() => {
    if (performance.now() - started > options.maxSeconds * 1000) return;
    for (const cloud of options.activeClouds?.() ?? clouds) {
      const caller = callers.get(cloud);
      if (!caller) continue;
      const p = caller
        .call(options.component, options.operation, payload, {
          idempotent: true,
          timeoutMs: 10_000,
        })
        .catch(() => undefined);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  }, interval);
  return {
    history,
    totals: () => ({
      ok,
      errors,
      okByOrigin: { ...okByOrigin },
      errorsByOrigin: { ...errorsByOrigin },
      errorCodes: { ...errorCodes },
    }),
    stop: async () => {
      clearInterval(fire);
      clearInterval(tick);
      await Promise.allSettled([...inFlight]);
      for (const i of ingress) {
        await i.view.stop();
        await i.nc.close();
      }
    },
  };
}

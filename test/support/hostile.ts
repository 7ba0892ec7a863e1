// The hostile-component bed shared by test/security/hostile.test.ts and bench/hostile.ts: one
// real host process running a well-behaved component next to hostile ones, and a load generator
// in this process measuring the good component while an attack runs.
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectLattice,
  createCaller,
  watchHosts,
  type HostsView,
  type LatticeCaller,
} from '../../src/lattice/index.ts';
import { startTopology, type Topology } from '../../src/nats/index.ts';
import { fixture } from '../runtime/fixtures.ts';
import { spawnHost, type HostProcess } from './hosts.ts';
import { startAndWait, writeComponent } from './lattice.ts';
import { signed } from './signing.ts';

/** What a hostile component does while the good one is measured. */
export const ATTACKS = {
  none: undefined,
  /** An infinite loop: burns its instances' threads until the deadline. */
  spin: { op: 'spin', payload: '' },
  /** A memory bomb: allocates until it hits its cap. */
  alloc: { op: 'alloc', payload: '' },
  /** An oversized response: 64 MiB. */
  big: { op: 'big', payload: '64' },
  /** Calls to a capability it has no link for, in a loop. */
  unlinked: { op: 'unlinked', payload: '' },
  /** Calls to a capability its claims do not allow, in a loop. */
  unclaimed: { op: 'unclaimed', payload: '' },
  /** A flood of calls to the good component from inside the host. */
  flood: { op: 'flood', payload: 'good:echo:100000000' },
  /** A flood of log lines: 20 000 per invocation, invocation after invocation. */
  logs: { op: 'logs', payload: '20000' },
} as const;
/** An attack, or every one of them at once. */
export type Attack = keyof typeof ATTACKS | 'all';

/** The good component's figures during one measurement. */
export interface Figures {
  attack: Attack;
  /** Sequential calls: median and 99th percentile latency, ms. */
  p50Ms: number;
  p99Ms: number;
  /** Calls per second with `lanes` calls in flight. */
  rps: number;
  /** Good calls that failed (any error). */
  errors: number;
  /** Their error codes. */
  errorCodes: Record<string, number>;
  /** Hostile calls started and how they ended (error code → count). */
  hostile: Record<string, number>;
}

export interface HostileBed {
  readonly host: HostProcess;
  readonly nc: NatsConnection;
  measure(
    attack: Attack,
    o?: { sequential?: number; windowMs?: number; lanes?: number },
  ): Promise<Figures>;
  stop(): Promise<void>;
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/**
 * Starts NATS, one host process, the good component (`good`, 2 instances) and one hostile
 * component per attack (`hostile-<attack>`, 2 instances each, claims without `messaging`).
 */
export async function startHostileBed(
  dir: string,
  lattice = 'hostile',
  /** Node flags for the host process (e.g. `--cpu-prof` to see where its main thread goes). */
  nodeArgs: string[] = [],
): Promise<HostileBed> {
  const topo: Topology = await startTopology({ kind: 'single', dataDir: join(dir, 'nats') });
  let host: HostProcess | undefined;
  let nc: NatsConnection | undefined;
  let view: HostsView | undefined;
  try {
    host = await spawnHost({
      natsUrls: topo.urls(),
      lattice,
      name: 'victim',
      dataDir: join(dir, 'host'),
      nodeArgs,
    });
    nc = await connectLattice({ servers: topo.urls(), name: 'load' });
    const good = writeComponent(
      dir,
      'good',
      await signed(await fixture('probe-as'), { name: 'good' }),
    );
    const bad = writeComponent(
      dir,
      'hostile',
      await signed(await fixture('hostile-as'), {
        name: 'hostile',
        caps: ['keyvalue', 'logging', 'config', 'lattice'],
      }),
    );
    const place = async (name: string, ref: string): Promise<void> => {
      const r = await startAndWait(nc as NatsConnection, lattice, (host as HostProcess).id, {
        name,
        ref,
        count: 2,
      });
      if (r.outcome === 'component_start_failed')
        throw new Error(`${name}: ${String(r.data.error)}`);
    };
    await place('good', good);
    for (const a of Object.keys(ATTACKS)) if (a !== 'none') await place(`hostile-${a}`, bad);
    view = await watchHosts(nc, { lattice });
    await view.waitFor((v) => (v.get((host as HostProcess).id)?.components.good ?? 0) > 0, 10_000);
  } catch (err) {
    await view?.stop();
    await nc?.close();
    await host?.stop();
    await topo.destroy();
    throw err;
  }
  const caller: LatticeCaller = createCaller(nc, { lattice, view });
  const payload = new TextEncoder().encode('ping');
  const goodCall = (): Promise<Uint8Array> =>
    caller.call('good', 'echo', payload, { timeoutMs: 5000 });

  return {
    host,
    nc,
    async measure(attack, o = {}) {
      const hostile: Record<string, number> = {};
      let stop = false;
      const lane = async (name: keyof typeof ATTACKS): Promise<void> => {
        const spec = ATTACKS[name];
        while (!stop && spec) {
          const out = await caller
            .call(`hostile-${name}`, spec.op, new TextEncoder().encode(spec.payload), {
              timeoutMs: 30_000,
            })
            .then(
              () => 'ok',
              (e: unknown) => String((e as { code?: string }).code ?? 'error'),
            );
          hostile[out] = (hostile[out] ?? 0) + 1;
        }
      };
      const names = (attack === 'all' ? Object.keys(ATTACKS) : [attack]).filter(
        (a): a is keyof typeof ATTACKS => a !== 'none' && a !== 'all',
      );
      // Twice as many attack calls in flight as each hostile component has instances.
      const lanes = names.flatMap((n) => Array.from({ length: 4 }, () => lane(n)));
      if (lanes.length) await new Promise((r) => setTimeout(r, 300));
      const times: number[] = [];
      let errors = 0;
      const errorCodes: Record<string, number> = {};
      const failed = (e: unknown): void => {
        errors++;
        const code = String((e as { code?: string }).code ?? 'error');
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      };
      for (let i = 0; i < (o.sequential ?? 300); i++) {
        const t0 = performance.now();
        try {
          await goodCall();
          times.push(performance.now() - t0);
        } catch (e) {
          failed(e);
        }
      }
      times.sort((a, b) => a - b);
      let done = 0;
      const until = performance.now() + (o.windowMs ?? 2000);
      const loadLane = async (): Promise<void> => {
        while (performance.now() < until) {
          try {
            await goodCall();
            done++;
          } catch (e) {
            failed(e);
          }
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: o.lanes ?? 8 }, loadLane));
      const rps = done / ((performance.now() - t0) / 1000);
      stop = true;
      await Promise.all(lanes);
      return {
        attack,
        p50Ms: pct(times, 50),
        p99Ms: pct(times, 99),
        rps,
        errors,
        errorCodes,
        hostile,
      };
    },
    async stop() {
      await view?.stop();
      await nc?.close();
      await host?.stop();
      await topo.destroy();
    },
  };
}

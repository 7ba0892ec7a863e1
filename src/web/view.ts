import { cloudOf, freshRate, type AppStatusRecord, type LatticeModel } from './model.ts';
import { describeEvent, type EventView } from './events-view.ts';

/** What the page shows, derived from the model: the input of the renderer (pure). */
export interface DashboardView {
  lattice: string;
  /** Wall-clock ms. */
  at: number;
  totals: Figures & { hosts: number; lost: number; instances: number; clouds: number };
  clouds: CloudView[];
  series: { t: number; rps: Record<string, number> }[];
  apps: AppStatusRecord[];
  links: { source: string; target: string; iface: string; name: string }[];
  events: EventView[];
  /** Present in simulation mode: which fault buttons work. */
  sim?: { actions: Record<SimAction, boolean> };
}

export type SimAction = 'kill' | 'hang' | 'partition' | 'heal' | 'restore';
export const SIM_ACTIONS: readonly SimAction[] = ['kill', 'hang', 'partition', 'heal', 'restore'];

/** Requests/s, failed calls/s and latency (ms) of the last interval. */
export interface Figures {
  rps: number;
  errps: number;
  p50?: number;
  p99?: number;
}

export interface CloudView extends Figures {
  name: string;
  region?: string;
  /** What the simulation last did to it (`up`, `killed`, `hung`, `partitioned`). */
  condition?: string;
  hosts: HostView[];
  instances: number;
}

export type HostStatus = 'up' | 'cordoned' | 'draining' | 'lost' | 'stopped';

export interface HostView {
  id: string;
  name: string;
  status: HostStatus;
  /** Why it is lost or stopped. */
  reason?: string;
  /** Labels other than cloud and region (those are the host's place on the page). */
  labels: [string, string][];
  load: { inFlight: number; capacity: number };
  components: { name: string; count: number; rps?: number }[];
  providers: string[];
  rps?: number;
}

export interface ViewInput {
  lattice: string;
  nowMs: number;
  wallMs: number;
  /** Simulated clouds (shown even without hosts), when in simulation mode. */
  simClouds?: Record<string, { region: string; condition: string }>;
  simActions?: Record<SimAction, boolean>;
}

/** Builds the page's view of the model. Clouds in simulation order, then by name. */
export function buildView(model: LatticeModel, input: ViewInput): DashboardView {
  const clouds = new Map<string, CloudView>();
  const cloud = (name: string): CloudView => {
    let c = clouds.get(name);
    if (!c) {
      const sim = input.simClouds?.[name];
      c = {
        name,
        ...(sim ? { region: sim.region, condition: sim.condition } : {}),
        hosts: [],
        instances: 0,
        rps: 0,
        errps: 0,
      };
      clouds.set(name, c);
    }
    return c;
  };
  for (const name of Object.keys(input.simClouds ?? {})) cloud(name);
  const names = new Map<string, string>();
  const p50Weighted: Record<string, [number, number]> = {};
  for (const r of model.hosts.values()) {
    const b = r.beat;
    names.set(b.hostId, b.name);
    const c = cloud(cloudOf(b));
    c.region ??= b.labels.region;
    const rate = freshRate(r, input.nowMs);
    const live = r.presence === 'live';
    const status: HostStatus =
      r.presence !== 'live' ? r.presence : b.draining ? 'draining' : b.cordoned ? 'cordoned' : 'up';
    c.hosts.push({
      id: b.hostId,
      name: b.name,
      status,
      ...(r.goneReason && !live ? { reason: r.goneReason } : {}),
      labels: Object.entries(b.labels)
        .filter(([k]) => k !== 'cloud' && k !== 'region')
        .sort(([a], [z]) => a.localeCompare(z)),
      load: live ? b.load : { inFlight: 0, capacity: 0 },
      components: live
        ? Object.entries(b.components)
            .filter(([, n]) => n > 0)
            .sort(([a], [z]) => a.localeCompare(z))
            .map(([name, count]) => ({
              name,
              count,
              ...(rate?.byComponent[name] !== undefined ? { rps: rate.byComponent[name] } : {}),
            }))
        : [],
      providers: live ? [...b.providers].sort() : [],
      ...(rate ? { rps: rate.rps } : {}),
    });
    if (live) c.instances += Object.values(b.components).reduce((n, k) => n + k, 0);
    if (rate) {
      c.rps += rate.rps;
      c.errps += rate.errps;
      if (rate.p99 !== undefined) c.p99 = Math.max(c.p99 ?? 0, rate.p99);
      if (rate.p50 !== undefined && rate.rps > 0) {
        const w = (p50Weighted[c.name] ??= [0, 0]);
        w[0] += rate.p50 * rate.rps;
        w[1] += rate.rps;
      }
    }
  }
  const order = Object.keys(input.simClouds ?? {});
  const list = [...clouds.values()].sort(
    (a, z) => rank(order, a.name) - rank(order, z.name) || a.name.localeCompare(z.name),
  );
  for (const c of list) {
    const w = p50Weighted[c.name];
    if (w && w[1] > 0) c.p50 = w[0] / w[1];
    c.hosts.sort((a, z) => a.name.localeCompare(z.name) || a.id.localeCompare(z.id));
  }
  const all = list.flatMap((c) => c.hosts);
  const totalRps = list.reduce((n, c) => n + c.rps, 0);
  const p50s = list.filter((c) => c.p50 !== undefined && c.rps > 0);
  const p99s = list.filter((c) => c.p99 !== undefined);
  return {
    lattice: input.lattice,
    at: input.wallMs,
    totals: {
      clouds: list.length,
      hosts: all.filter((h) => h.status !== 'lost' && h.status !== 'stopped').length,
      lost: all.filter((h) => h.status === 'lost').length,
      instances: list.reduce((n, c) => n + c.instances, 0),
      rps: totalRps,
      errps: list.reduce((n, c) => n + c.errps, 0),
      ...(p50s.length > 0
        ? { p50: p50s.reduce((n, c) => n + (c.p50 ?? 0) * c.rps, 0) / totalRps }
        : {}),
      ...(p99s.length > 0 ? { p99: Math.max(...p99s.map((c) => c.p99 ?? 0)) } : {}),
    },
    clouds: list,
    series: model.series,
    apps: [...model.apps.values()].sort((a, z) => a.app.localeCompare(z.app)),
    links: model.links
      .map((l) => ({ source: l.source, target: l.target, iface: l.interface, name: l.name }))
      .sort((a, z) => a.source.localeCompare(z.source) || a.iface.localeCompare(z.iface)),
    events: model.events
      .slice(-60)
      .reverse()
      .map((e) => describeEvent(e, (id) => names.get(id))),
    ...(input.simActions ? { sim: { actions: input.simActions } } : {}),
  };
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i === -1 ? order.length : i;
}

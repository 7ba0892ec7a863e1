import type { ComponentSpec } from './manifest/types.ts';
import type { Command, Observed, ObservedHost, ObservedWorkload } from './model.ts';
import { mergeConfig } from './links.ts';
import { planDaemon } from './placement/daemon.ts';
import { planSpread } from './placement/spread.ts';
import type { Candidate, PlacementResult } from './placement/types.ts';

/** The plan for one component (or capability) of an application, and the commands it needs. */
export interface WorkloadPlan {
  spec: ComponentSpec;
  placement: PlacementResult;
  /** Commands that add capacity: new placements, upgrades, scale-ups. Never held back. */
  grow: Command[];
  /** Commands that remove capacity; held back while anything grows (make-before-break). */
  shrink: Command[];
  /** Hosts where a requested placement is still unconfirmed (`pending`): not re-sent, but waited for. */
  inFlight: string[];
  /** Instances running the desired image where they are wanted (≤ the wanted count per host). */
  running: number;
  /** Hosts where the name is held by another application or by hand. */
  blocked: string[];
  /** This app's placements reported unhealthy, by host id. */
  unhealthy: string[];
}

const workloadsOf = (host: ObservedHost, spec: ComponentSpec): ObservedWorkload[] =>
  spec.kind === 'capability' ? host.providers : host.components;

/** Plans one component of `app` over the observed hosts and diffs the plan against them. */
export function planWorkload(
  app: string,
  version: string,
  spec: ComponentSpec,
  observed: Observed,
): WorkloadPlan {
  const maxPerHost = spec.kind === 'capability' ? 1 : Number.POSITIVE_INFINITY;
  const candidates: Candidate[] = [];
  const blocked: string[] = [];
  const own = new Map<string, ObservedWorkload>();
  for (const host of observed.hosts) {
    const w = workloadsOf(host, spec).find((x) => x.name === spec.name);
    if (w && w.app !== app) {
      blocked.push(host.hostId);
      continue;
    }
    if (w) own.set(host.hostId, w);
    candidates.push({
      hostId: host.hostId,
      labels: host.labels,
      cordoned: host.cordoned,
      units: w?.count ?? 0,
      since: w ? w.since : Number.POSITIVE_INFINITY,
      healthy: w?.healthy ?? true,
      current: w ? w.ref === spec.image : true,
      load:
        host.components.reduce((n, x) => n + x.count, 0) +
        host.providers.reduce((n, x) => n + x.count, 0),
    });
  }
  const scaler = spec.scaler;
  const placement: PlacementResult = !scaler
    ? { perHost: new Map(), spreads: [] }
    : scaler.kind === 'spread'
      ? planSpread(scaler, candidates, maxPerHost)
      : planDaemon(scaler, candidates, maxPerHost);

  const grow: Command[] = [];
  const shrink: Command[] = [];
  let running = 0;
  const inFlight: string[] = [];
  const hostIds = candidates.map((c) => c.hostId).sort();
  for (const hostId of hostIds) {
    const want = placement.perHost.get(hostId) ?? 0;
    const have = own.get(hostId);
    if (have && have.ref === spec.image && !have.pending) running += Math.min(want, have.count);
    if (want > 0 && have?.pending === true) inFlight.push(hostId);
    grow.push(...growCommands(app, version, spec, hostId, want, have, observed));
    const s = shrinkCommand(app, version, spec, hostId, want, have);
    if (s) shrink.push(s);
  }
  const unhealthy = [...own]
    .filter(([, w]) => w.healthy === false)
    .map(([h]) => h)
    .sort();
  return { spec, placement, grow, shrink, inFlight, running, blocked, unhealthy };
}

function growCommands(
  app: string,
  version: string,
  spec: ComponentSpec,
  hostId: string,
  want: number,
  have: ObservedWorkload | undefined,
  observed: Observed,
): Command[] {
  if (want === 0) return [];
  const upgrade = have !== undefined && have.ref !== spec.image;
  if (have && !upgrade && want <= have.count) return [];
  const reason = !have
    ? `place ${want} instance${want === 1 ? '' : 's'}`
    : upgrade
      ? `upgrade ${have.version ?? have.ref} → ${version}`
      : `scale ${have.count} → ${want}`;
  if (spec.kind === 'capability') {
    return [
      {
        type: 'startProvider',
        app,
        hostId,
        provider: spec.name,
        ref: spec.image,
        config: mergeConfig(spec.config, observed),
        version,
        reason,
      },
    ];
  }
  if (have && !upgrade) {
    return [{ type: 'scale', app, hostId, component: spec.name, count: want, version, reason }];
  }
  return [
    {
      type: 'start',
      app,
      hostId,
      component: spec.name,
      ref: spec.image,
      count: want,
      version,
      ...(spec.limits ? { limits: spec.limits } : {}),
      reason,
    },
  ];
}

function shrinkCommand(
  app: string,
  version: string,
  spec: ComponentSpec,
  hostId: string,
  want: number,
  have: ObservedWorkload | undefined,
): Command | undefined {
  if (!have) return undefined;
  if (want === 0) {
    const reason = 'not wanted on this host';
    return spec.kind === 'capability'
      ? { type: 'stopProvider', app, hostId, provider: spec.name, reason }
      : { type: 'stop', app, hostId, component: spec.name, reason };
  }
  if (spec.kind === 'component' && have.ref === spec.image && want < have.count) {
    const reason = `surplus: scale ${have.count} → ${want}`;
    return { type: 'scale', app, hostId, component: spec.name, count: want, version, reason };
  }
  return undefined;
}

/** Stop commands for this app's workloads on hosts that the manifest no longer declares. */
export function orphanCommands(
  app: string,
  declared: ReadonlySet<string>,
  observed: Observed,
  reason: string,
): Command[] {
  const out: Command[] = [];
  const hosts = [...observed.hosts].sort((a, b) => (a.hostId < b.hostId ? -1 : 1));
  for (const host of hosts) {
    for (const w of host.components) {
      if (w.app === app && !declared.has(`component:${w.name}`)) {
        out.push({ type: 'stop', app, hostId: host.hostId, component: w.name, reason });
      }
    }
    for (const w of host.providers) {
      if (w.app === app && !declared.has(`capability:${w.name}`)) {
        out.push({ type: 'stopProvider', app, hostId: host.hostId, provider: w.name, reason });
      }
    }
  }
  return out;
}

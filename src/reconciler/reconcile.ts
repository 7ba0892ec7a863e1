import type { AppStatus, Command, DesiredApp, Observed, ScalerStatus } from './model.ts';
import { linkCommands } from './links.ts';
import { scalerStatus, worst } from './status.ts';
import { orphanCommands, planWorkload, type WorkloadPlan } from './workloads.ts';

/** Commands in the order the executor should send them: what adds before what removes. */
const ORDER: readonly Command['type'][] = [
  'putConfig',
  'putLink',
  'startProvider',
  'start',
  'scale',
  'stop',
  'stopProvider',
  'deleteLink',
  'deleteConfig',
];

export interface Plan {
  commands: Command[];
  statuses: AppStatus[];
}

/**
 * Reconciles desired applications against the observed lattice: the commands that move it
 * toward the desired state, and each app's status. Pure and deterministic.
 *
 * Capacity is added before it is removed: a scaler's surplus (instances no longer wanted, old
 * versions, fallback placements whose own hosts are back) is stopped only once everything it
 * wants is observed running with the desired image. So a static lattice converges in one step
 * when nothing has to be replaced, and in two (start, then stop) when something does.
 *
 * @example
 * const { commands, statuses } = planApps(
 *   [{ manifest, version: manifest.version ?? 'v1', deployed: true }],
 *   { hosts, links: [], configs: {} },
 * );
 * for (const c of commands) await executor.send(toControlRequest(c, epoch));
 */
export function planApps(desired: readonly DesiredApp[], observed: Observed): Plan {
  const commands: Command[] = [];
  const statuses: AppStatus[] = [];
  const apps = [...desired].sort((a, b) => (a.manifest.name < b.manifest.name ? -1 : 1));
  for (const app of apps) {
    const r = planApp(app, observed);
    commands.push(...r.commands);
    statuses.push(r.status);
  }
  return { commands: sortCommands(commands), statuses };
}

/**
 * The commands that move `observed` toward `desired`.
 *
 * @example
 * reconcile([{ manifest, version: 'v1', deployed: true }], observed);
 * // [{ type: 'start', hostId: 'h1', component: 'api', ref: 'ghcr.io/x/api:1', count: 2, app: 'shop', version: 'v1', reason: 'place 2 instances' }, …]
 */
export function reconcile(desired: readonly DesiredApp[], observed: Observed): Command[] {
  return planApps(desired, observed).commands;
}

/** Status per app and per scaler, from desired and observed alone. */
export function appStatuses(desired: readonly DesiredApp[], observed: Observed): AppStatus[] {
  return planApps(desired, observed).statuses;
}

function planApp(app: DesiredApp, observed: Observed): { commands: Command[]; status: AppStatus } {
  const name = app.manifest.name;
  const specs = app.deployed ? app.manifest.components : [];
  const plans: WorkloadPlan[] = specs.map((spec) =>
    planWorkload(name, app.version, spec, observed),
  );
  const declared = new Set(specs.map((s) => `${s.kind}:${s.name}`));
  const growing = (p: WorkloadPlan): boolean => p.grow.length > 0 || p.inFlight.length > 0;
  const anyGrow = plans.some(growing);
  const orphans = orphanCommands(
    name,
    declared,
    observed,
    app.deployed ? 'no longer in the application' : 'application undeployed',
  );

  const sources = new Set(app.manifest.components.map((c) => c.name));
  for (const h of observed.hosts) {
    for (const w of [...h.components, ...h.providers]) if (w.app === name) sources.add(w.name);
  }
  const links = linkCommands(name, app.manifest, app.deployed, sources, observed);

  const commands: Command[] = [...links.put];
  for (const p of plans) {
    commands.push(...p.grow);
    if (!growing(p)) commands.push(...p.shrink);
  }
  if (!anyGrow) commands.push(...orphans);
  commands.push(...links.remove);

  const scalers: ScalerStatus[] = plans
    .filter((p) => p.spec.scaler !== undefined)
    .map((p) => scalerStatus(p, observed, growing(p)));
  return { commands, status: appStatus(app, scalers, orphans.length, links) };
}

function appStatus(
  app: DesiredApp,
  scalers: ScalerStatus[],
  orphans: number,
  links: { put: Command[]; remove: Command[] },
): AppStatus {
  const base = { app: app.manifest.name, version: app.version, scalers };
  if (!app.deployed) {
    return orphans + links.remove.length > 0
      ? { ...base, state: 'Reconciling', reason: `undeploying: ${orphans} placements to stop` }
      : { ...base, state: 'Undeployed', reason: 'nothing of it runs' };
  }
  let state = worst(scalers.map((s) => s.state));
  const bad = scalers.find((s) => s.state === state && state !== 'Deployed');
  let reason = bad ? `${bad.component}: ${bad.reason}` : `${scalers.length} scalers deployed`;
  if (state === 'Deployed' && links.put.length + links.remove.length + orphans > 0) {
    state = 'Reconciling';
    reason =
      orphans > 0
        ? `stopping ${orphans} placements of removed components`
        : `updating ${links.put.length + links.remove.length} links and configs`;
  }
  return { ...base, state, reason };
}

function sortCommands(commands: Command[]): Command[] {
  // Stable: within a type, the order each app produced (host id order).
  return commands
    .map((c, i) => ({ c, i }))
    .sort((a, b) => ORDER.indexOf(a.c.type) - ORDER.indexOf(b.c.type) || a.i - b.i)
    .map((x) => x.c);
}

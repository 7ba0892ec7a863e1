import type { Observed, ScalerStatus, StatusState } from './model.ts';
import type { WorkloadPlan } from './workloads.ts';

/** Worst first: an app's state is the worst of its scalers'. */
export const STATE_ORDER: readonly StatusState[] = [
  'Failed',
  'Waiting',
  'Unhealthy',
  'Reconciling',
  'Deployed',
  'Undeployed',
];

export function worst(states: readonly StatusState[]): StatusState {
  let best = STATE_ORDER.length - 1;
  for (const s of states) best = Math.min(best, STATE_ORDER.indexOf(s));
  return STATE_ORDER[best] ?? 'Deployed';
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The status of one scaler, from its plan and the observed start failures. */
export function scalerStatus(plan: WorkloadPlan, observed: Observed, held: boolean): ScalerStatus {
  const spec = plan.spec;
  const kind = spec.scaler?.kind ?? 'spread';
  const { placement } = plan;
  const unplaced = placement.spreads.reduce((n, s) => n + s.unplaced, 0);
  let wanted = 0;
  for (const n of placement.perHost.values()) wanted += n;
  const target = kind === 'spread' ? (spec.scaler?.instances ?? 0) : wanted + unplaced;
  const unit = spec.kind === 'capability' ? 'instance' : 'instance';
  const base = { component: spec.name, kind, target, running: plan.running };
  const status = (state: StatusState, reason: string): ScalerStatus => ({ ...base, state, reason });

  const missing = new Set(
    plan.grow.map((c) => ('hostId' in c ? c.hostId : '')).filter((h) => h !== ''),
  );
  const failure = (observed.failures ?? []).find(
    (f) => f.name === spec.name && f.ref === spec.image && missing.has(f.hostId),
  );
  if (failure) {
    return status(
      'Failed',
      `cannot start ${spec.image} on host ${failure.hostId}: ${failure.error}`,
    );
  }
  if (unplaced > 0) {
    const why = placement.spreads
      .filter((s) => s.unplaced > 0)
      .map((s) => `spread "${s.name}": ${s.why ?? 'no eligible host'}`)
      .join('; ');
    const blocked =
      plan.blocked.length > 0
        ? ` (name "${spec.name}" is taken by another application on ${plural(plan.blocked.length, 'host')})`
        : '';
    return status(
      'Waiting',
      `${unplaced} of ${target} ${unit}s cannot be placed: ${why}${blocked}`,
    );
  }
  if (plan.unhealthy.length > 0) {
    return status(
      'Unhealthy',
      `reported failing on ${plural(plan.unhealthy.length, 'host')}: ${plan.unhealthy.join(', ')}`,
    );
  }
  if (plan.grow.length > 0 || plan.shrink.length > 0 || plan.inFlight.length > 0) {
    const parts = [`${plan.running} of ${target} running`];
    if (plan.grow.length > 0)
      parts.push(`starting or upgrading on ${plural(missing.size, 'host')}`);
    if (plan.inFlight.length > 0) {
      parts.push(`waiting for ${plural(plan.inFlight.length, 'host')} to confirm`);
    }
    if (plan.shrink.length > 0) {
      parts.push(
        held
          ? `removing surplus from ${plural(plan.shrink.length, 'host')} once the new ones run`
          : `removing surplus from ${plural(plan.shrink.length, 'host')}`,
      );
    }
    return status('Reconciling', parts.join('; '));
  }
  const fallback = placement.spreads
    .filter((s) => s.onFallback && s.placed > 0)
    .map((s) => `spread "${s.name}" on fallback hosts (none of its own is eligible)`);
  const where = `${plan.running} of ${target} running on ${plural(placement.perHost.size, 'host')}`;
  return status('Deployed', fallback.length > 0 ? `${where}; ${fallback.join('; ')}` : where);
}

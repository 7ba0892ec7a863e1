/**
 * Declarative deployment, the pure core: wadm-compatible manifests, placement, reconciliation
 * (`reconcile(desired, observed) → Command[]`), status, and the lease state machine. Nothing here
 * touches NATS or the clock; the executor and the `aloft reconciler` process wire it up.
 */
export { ManifestError, ReconcilerCodes } from './errors.ts';
export { parseManifest, loadManifest, type ParseResult } from './manifest/parse.ts';
export { formatProblem, type Problem } from './manifest/problems.ts';
export { checkImageRef, type ImageRefCheck } from './manifest/image-ref.ts';
export { DEFAULT_WEIGHT } from './manifest/normalize.ts';
export type {
  Manifest,
  ComponentSpec,
  ComponentKind,
  ComponentLimits,
  ConfigRef,
  Fallback,
  LinkSpec,
  Scaler,
  Spread,
} from './manifest/types.ts';
export type {
  DesiredApp,
  Observed,
  ObservedHost,
  ObservedWorkload,
  LinkRecord,
  StartFailure,
  Command,
  CommandType,
  StatusState,
  ScalerStatus,
  AppStatus,
} from './model.ts';
export { reconcile, planApps, appStatuses, type Plan } from './reconcile.ts';
export { applyCommands, reflectedIn } from './simulate.ts';
export { toControlRequest, type ControlRequest, type ControlRequestOptions } from './commands.ts';
export { splitByWeight } from './placement/weights.ts';
export { planSpread, IMPLICIT_SPREAD } from './placement/spread.ts';
export { planDaemon } from './placement/daemon.ts';
export type { Candidate, PlacementResult, SpreadOutcome } from './placement/types.ts';
export { openAppStore, type AppStore, type Deployment, type StoredManifest } from './app-store.ts';
export {
  startLease,
  leaseStatus,
  leaseMembers,
  type Lease,
  type LeaseOptions,
} from './lease-nats.ts';
export type { LeaseStatus } from './lease-messages.ts';
export { observeLattice, type LatticeObserver, type ObserverOptions } from './observer.ts';
export { createExecutor } from './executor.ts';
export { providerKindFor } from './provider-kinds.ts';
export { startReconciler, type Reconciler, type ReconcilerOptions } from './service.ts';
export { runReconciler } from './main.ts';
export {
  DEFAULT_LEASE_TIMINGS,
  initialLease,
  leaseStep,
  mayAct,
  actingDeadline,
  nextDeadline,
  quorumOf,
  rankOf,
  type LeaseTimings,
  type LeaseMachineOptions,
  type LeaseState,
  type LeaseRole,
  type LeaseEvent,
  type LeaseAction,
  type LeaseStep,
  type VoteRequest,
  type VoteReply,
  type Release,
} from './lease.ts';

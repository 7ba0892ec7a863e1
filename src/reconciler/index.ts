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

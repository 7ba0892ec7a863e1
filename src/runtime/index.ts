/**
 * The component runtime: loads WebAssembly components built against `aloft:platform`, runs them
 * in isolated instance workers with synchronous capability calls, enforces per-component limits,
 * and builds guest sources into components. The door of `src/runtime`: import only from here.
 */
export { createRuntime, type RuntimeOptions } from './node/runtime.ts';
export {
  createRuntimeCore,
  DEFAULT_LIMITS,
  type ComponentLimits,
  type LoadOptions,
  type Runtime,
  type RuntimeCoreOptions,
} from './runtime.ts';
export type { ComponentStats, InvokeOptions, LoadedComponent } from './component.ts';
export type { PoolStats } from './instance/pool.ts';
export type { WorkerSpawner, InstanceWorker } from './instance/spawner.ts';
export type { WorkerInit, WorkerReady } from './protocol.ts';
export { runInstanceWorker, type GlueModule } from './instance/worker-loop.ts';
export type { CapabilityCall, CapabilityHandler, InvocationContext } from './capabilities.ts';
export type { Value } from './codec.ts';
export type { ErrorRecord, Headers, HttpRequest, HttpResponse, Message } from './types.ts';
export {
  memoryCapabilities,
  type MemoryCapabilities,
  type GuestLogLine,
} from './memory-capabilities.ts';
export { memoryArtifactCache, type ArtifactCache } from './artifact-cache.ts';
export { fsArtifactCache } from './node/fs-cache.ts';
export {
  inspectComponent,
  validateComponent,
  sha256Hex,
  CLAIMS_SECTION,
  type ComponentInfo,
} from './analyze.ts';
export {
  BuildError,
  ComponentError,
  GuestError,
  isGuestError,
  type RuntimeErrorCode,
} from './errors.ts';
export {
  CAPABILITY_INTERFACES,
  HANDLER_INTERFACES,
  PLATFORM_PACKAGE,
  PLATFORM_VERSION,
  type CapabilityInterface,
  type HandlerInterface,
  type WorldCheck,
} from './world.ts';
export {
  buildComponent,
  componentFromCore,
  type BuildOptions,
  type BuildResult,
} from './build/index.ts';

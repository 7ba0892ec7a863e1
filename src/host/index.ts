/** The host: joins a lattice, runs components, serves calls and control requests. */
export {
  startHostOn,
  type Host,
  type HostOptions,
  type HostPlatform,
  type HostState,
} from './host.ts';
export { startHost, nodePlatform } from './node-platform.ts';
export { hostLabels, parseLabel } from './labels.ts';
export { hostIdentity, type HostIdentity } from './identity.ts';
export { fetchArtifact, type Artifact } from './artifacts.ts';
export { pushOci, pullOci, parseOciRef, isOciRef } from './oci.ts';
export type { Inventory } from './placements.ts';
export { runHost, type ProcessTelemetry } from './main.ts';
export {
  shortInterface,
  type ProviderCall,
  type ProviderContext,
  type ProviderFactory,
  type ProviderInstance,
} from './providers.ts';
export { HANDLER_OPS } from './serve.ts';
export type { CallObserver, CallRecord } from './call-stats.ts';
export { spawnAloft } from './spawn.ts';
export type { HostSecurityOptions } from './security.ts';

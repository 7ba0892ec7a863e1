/**
 * Capability providers: the side effects components reach through `aloft:platform` imports.
 * Each concern is a library (key-value, messaging, blob store, HTTP client, HTTP server); the
 * provider kinds in {@link builtinProviders} wrap them for hosts.
 */
export {
  type ProviderCall,
  type ProviderContext,
  type ProviderFactory,
  type ProviderInstance,
  type ProviderLink,
} from './provider.ts';
export { builtinProviders } from './builtin.ts';
export { DEFAULT_PROVIDER_KINDS, defaultProviders } from './defaults.ts';
export { keyValueInstance } from './kinds/keyvalue.ts';
export { blobStoreInstance } from './kinds/blobstore.ts';
export * from './keyvalue/index.ts';
export * from './http-server/index.ts';
export * from './http-client/index.ts';
export * from './messaging/index.ts';
export * from './blobstore/index.ts';

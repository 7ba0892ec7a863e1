import { configLattice } from './kinds/config.ts';
import { loggingLattice } from './kinds/logging.ts';
import type { ProviderFactory } from './provider.ts';

/**
 * The kinds a host uses for a component's `logging` and `config` imports when the component has
 * no link for them (as if linked with empty link config). A link overrides the default.
 */
export const DEFAULT_PROVIDER_KINDS = {
  logging: 'logging-lattice',
  config: 'config-lattice',
} as const;

/**
 * The factories of {@link DEFAULT_PROVIDER_KINDS}, in a module of their own so that a host can
 * start them without importing every other kind (a browser-tab host's bundle has no HTTP server
 * or Redis client).
 */
export const defaultProviders: Readonly<Record<'logging' | 'config', ProviderFactory>> = {
  logging: loggingLattice,
  config: configLattice,
};

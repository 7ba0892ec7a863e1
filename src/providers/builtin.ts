import { blobStoreMemory, blobStoreNats } from './kinds/blobstore.ts';
import { configLattice } from './kinds/config.ts';
import { loggingLattice } from './kinds/logging.ts';
import { httpClientProvider } from './kinds/http-client.ts';
import { httpServerProvider } from './kinds/http-server.ts';
import { keyValueMemory, keyValueNats, keyValueRedis } from './kinds/keyvalue.ts';
import { messagingNats } from './kinds/messaging.ts';
import type { ProviderFactory } from './provider.ts';

/**
 * The providers every host can start by kind (`aloft start provider <kind>`). The host passes a
 * {@link ProviderContext}; each kind's JSDoc lists its config keys.
 *
 * @example
 * const instance = await builtinProviders['keyvalue-nats']!(ctx);
 * await instance.handle({ component: 'c', interface: 'keyvalue', function: 'get', args: ['b', 'k'], linkConfig: {} });
 */
export const builtinProviders: Readonly<Record<string, ProviderFactory>> = {
  'keyvalue-nats': keyValueNats,
  'keyvalue-redis': keyValueRedis,
  'keyvalue-memory': keyValueMemory,
  'messaging-nats': messagingNats,
  'blobstore-nats': blobStoreNats,
  'blobstore-memory': blobStoreMemory,
  'logging-lattice': loggingLattice,
  'config-lattice': configLattice,
  'http-client': httpClientProvider,
  'http-server': httpServerProvider,
};

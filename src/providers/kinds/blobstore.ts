import { memoryBlobStore, natsBlobStore, type BlobStore } from '../blobstore/index.ts';
import {
  intConfig,
  startWith,
  unknownFunction,
  type ProviderCall,
  type ProviderFactory,
  type ProviderInstance,
} from '../provider.ts';

/**
 * Serves `blobstore` (put/get/info/exists/delete/list by container) from `store`. A link's
 * `container_prefix` config is put in front of every container name.
 */
export function blobStoreInstance(store: BlobStore): ProviderInstance {
  return {
    interfaces: ['blobstore'],
    handle: async (call: ProviderCall) => {
      if (call.interface !== 'blobstore') throw unknownFunction(call);
      const a = call.args;
      const container = `${call.linkConfig.container_prefix ?? ''}${String(a[0])}`;
      const name = a[1] as string;
      switch (call.function) {
        case 'put':
          return store.put(container, name, a[2] as Uint8Array);
        case 'get':
          return store.get(container, name);
        case 'info': {
          // WIT `object-info.size` is a u64: a bigint in jco's mapping.
          const info = await store.info(container, name);
          return info && { ...info, size: BigInt(info.size) };
        }
        case 'exists':
          return store.exists(container, name);
        case 'delete':
          return store.delete(container, name);
        case 'list':
          return store.list(container, (a[1] as string | undefined) ?? undefined);
        default:
          throw unknownFunction(call);
      }
    },
    stop: () => store.close(),
  };
}

/** `blobstore-nats`: NATS object stores (config `max_object_bytes`, `replicas`). */
export const blobStoreNats: ProviderFactory = (ctx) =>
  startWith(() =>
    blobStoreInstance(
      natsBlobStore({
        nc: ctx.nc,
        lattice: ctx.lattice,
        maxObjectBytes: intConfig(ctx.config, 'max_object_bytes', 16 * 1024 * 1024),
        ...(ctx.config.replicas ? { replicas: intConfig(ctx.config, 'replicas', 1) } : {}),
      }),
    ),
  );

/** `blobstore-memory`: in this process, for tests and development (config `max_object_bytes`). */
export const blobStoreMemory: ProviderFactory = (ctx) =>
  startWith(() =>
    blobStoreInstance(
      memoryBlobStore({
        maxObjectBytes: intConfig(ctx.config, 'max_object_bytes', 16 * 1024 * 1024),
      }),
    ),
  );

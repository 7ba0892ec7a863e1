import { memoryBlobStore, natsBlobStore } from '../../src/providers/index.ts';
import { blobStoreContract } from './blobstore-contract.ts';
import { natsFixture } from './support.ts';

const limits = { pageSize: 10, maxObjectBytes: 4 * 1024 * 1024 };

blobStoreContract('memory', () => {
  const store = memoryBlobStore(limits);
  return Promise.resolve({ store, teardown: () => store.close() });
});

blobStoreContract('NATS object store', async () => {
  const nats = await natsFixture('single');
  const store = natsBlobStore({ nc: nats.nc, lattice: 'blobtest', ...limits });
  return {
    store,
    teardown: async () => {
      await store.close();
      await nats.stop();
    },
  };
});

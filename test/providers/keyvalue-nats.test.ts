import { natsKeyValue } from '../../src/providers/index.ts';
import { keyValueContract } from './keyvalue-contract.ts';
import { natsFixture } from './support.ts';

for (const kind of ['single', 'cluster'] as const) {
  keyValueContract(`NATS JetStream KV (${kind})`, async () => {
    const nats = await natsFixture(kind);
    const store = natsKeyValue({ nc: nats.nc, lattice: 'kvtest', pageSize: 10 });
    const other = natsKeyValue({ nc: await nats.connect(), lattice: 'kvtest', pageSize: 10 });
    return {
      store,
      other,
      teardown: async () => {
        await Promise.all([store.close(), other.close()]);
        await nats.stop();
      },
    };
  });
}

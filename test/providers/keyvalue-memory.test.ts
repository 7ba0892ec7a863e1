import { memoryKeyValue } from '../../src/providers/index.ts';
import { keyValueContract } from './keyvalue-contract.ts';

keyValueContract('memory', () => {
  const store = memoryKeyValue({ pageSize: 10 });
  return Promise.resolve({ store, other: store, teardown: () => store.close() });
});

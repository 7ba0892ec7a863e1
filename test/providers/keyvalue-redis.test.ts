import { redisKeyValue } from '../../src/providers/index.ts';
import { keyValueContract } from './keyvalue-contract.ts';
import { startRedis } from './support.ts';

keyValueContract('Redis', async () => {
  const redis = await startRedis();
  const store = redisKeyValue({ url: redis.url, pageSize: 10 });
  const other = redisKeyValue({ url: redis.url, pageSize: 10 });
  return {
    store,
    other,
    teardown: async () => {
      await Promise.all([store.close(), other.close()]);
      await redis.kill();
    },
  };
});

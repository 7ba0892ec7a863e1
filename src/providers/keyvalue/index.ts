/** Key-value backends behind one interface: memory, NATS JetStream KV and Redis. */
export { KeyValueCodes, KeyValueError, type KeyValueCode } from './errors.ts';
export { KV_LIMITS, DEFAULT_PAGE_SIZE, type KeyPage, type KeyValueStore } from './types.ts';
export { memoryKeyValue, type MemoryKeyValueOptions } from './memory.ts';
export { natsKeyValue, type NatsKeyValueOptions } from './nats.ts';
export { encodeNatsKey, decodeNatsKey } from './nats-keys.ts';
export { redisKeyValue, type RedisKeyValueOptions } from './redis.ts';

import { AloftError } from '../../support/index.ts';
import {
  memoryKeyValue,
  natsKeyValue,
  redisKeyValue,
  type KeyValueStore,
} from '../keyvalue/index.ts';
import {
  intConfig,
  startWith,
  requiredConfig,
  unknownFunction,
  type ProviderCall,
  type ProviderFactory,
  type ProviderInstance,
} from '../provider.ts';

/** `s64` arrives as a bigint; a plain integer (a hand-written external call) is accepted too. */
function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new AloftError('KV_INVALID', 'delta must be a signed 64-bit integer');
}

/**
 * Serves `aloft:platform/keyvalue` from `store`. A link's `bucket_prefix` config is put in front of
 * every bucket name the component uses (e.g. `bucket_prefix=shop_` to keep components apart).
 */
export function keyValueInstance(store: KeyValueStore): ProviderInstance {
  return {
    interfaces: ['keyvalue'],
    handle: async (call: ProviderCall) => {
      if (call.interface !== 'keyvalue') throw unknownFunction(call);
      const a = call.args;
      const bucket = `${call.linkConfig.bucket_prefix ?? ''}${String(a[0])}`;
      const key = a[1] as string;
      switch (call.function) {
        case 'get':
          return store.get(bucket, key);
        case 'set':
          return store.set(bucket, key, a[2] as Uint8Array);
        case 'delete':
          return store.delete(bucket, key);
        case 'exists':
          return store.exists(bucket, key);
        case 'list-keys':
          return store.listKeys(bucket, (a[1] as string | undefined) ?? undefined);
        case 'increment':
          return store.increment(bucket, key, toBigInt(a[2]));
        case 'compare-and-swap':
          return store.compareAndSwap(
            bucket,
            key,
            a[2] as Uint8Array | undefined,
            a[3] as Uint8Array,
          );
        default:
          throw unknownFunction(call);
      }
    },
    stop: () => store.close(),
  };
}

/** `keyvalue-memory`: in this process (config `page_size`). */
export const keyValueMemory: ProviderFactory = (ctx) =>
  startWith(() =>
    keyValueInstance(memoryKeyValue({ pageSize: intConfig(ctx.config, 'page_size', 1000) })),
  );

/** `keyvalue-nats`: JetStream KV on the lattice's NATS (config `replicas`, `retry_budget_ms`). */
export const keyValueNats: ProviderFactory = (ctx) =>
  startWith(() =>
    keyValueInstance(
      natsKeyValue({
        nc: ctx.nc,
        lattice: ctx.lattice,
        ...(ctx.config.replicas ? { replicas: intConfig(ctx.config, 'replicas', 1) } : {}),
        retryBudgetMs: intConfig(ctx.config, 'retry_budget_ms', 15_000),
      }),
    ),
  );

/** `keyvalue-redis`: config `url` (required), `prefix`, `command_timeout_ms`. */
export const keyValueRedis: ProviderFactory = (ctx) =>
  startWith(() =>
    keyValueInstance(
      redisKeyValue({
        url: requiredConfig(ctx.config, 'url', 'redis://127.0.0.1:6379'),
        prefix: ctx.config.prefix ?? `aloft:${ctx.lattice}:kv:`,
        commandTimeoutMs: intConfig(ctx.config, 'command_timeout_ms', 2000),
      }),
    ),
  );

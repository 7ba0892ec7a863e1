import { KeyValueCodes, KeyValueError } from './errors.ts';
import { guarded, pageOf } from './guard.ts';
import { RedisReplyError, RedisUnavailableError, respClient, type RespValue } from './resp.ts';
import { DEFAULT_PAGE_SIZE, type KeyValueStore } from './types.ts';

/** Options of {@link redisKeyValue}. */
export interface RedisKeyValueOptions {
  /** `redis://[[user]:password@]host[:port][/db]`. */
  url: string;
  /** Prefix of the Redis key holding each bucket (a hash). Default `aloft:kv:`. */
  prefix?: string;
  /** Keys per `listKeys` page. Default 1000. */
  pageSize?: number;
  /** Default 1000 ms. */
  connectTimeoutMs?: number;
  /** A command without a reply after this long fails with `KV_UNAVAILABLE`. Default 2000 ms. */
  commandTimeoutMs?: number;
}

/** Writes ARGV[4] to field ARGV[1] if it holds ARGV[3] (ARGV[2] = '1') or is absent (ARGV[2] = '0'). */
const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[3] then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 1`;

function parseUrl(url: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new KeyValueError(KeyValueCodes.INVALID, `not a redis URL: ${url}`);
  }
  if (u.protocol !== 'redis:') {
    throw new KeyValueError(KeyValueCodes.INVALID, `not a redis:// URL: ${url}`, {
      hint: 'use redis://[[user]:password@]host[:port][/db]',
    });
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
  };
}

function toKeyValueError(err: unknown, what: string): KeyValueError {
  if (err instanceof RedisUnavailableError) {
    return new KeyValueError(KeyValueCodes.UNAVAILABLE, `${what}: ${err.message}`, {
      cause: err,
      hint: 'check that redis-server is running; calls succeed again as soon as it is back',
    });
  }
  if (err instanceof RedisReplyError) {
    if (/not an integer/.test(err.message)) {
      return new KeyValueError(
        KeyValueCodes.NOT_INTEGER,
        `${what}: the value is not a decimal signed 64-bit integer`,
      );
    }
    if (/overflow/.test(err.message)) {
      return new KeyValueError(
        KeyValueCodes.INVALID,
        `${what}: increment would overflow a signed 64-bit integer`,
      );
    }
    if (/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)/.test(err.message)) {
      return new KeyValueError(KeyValueCodes.UNAVAILABLE, `${what}: ${err.message}`, {
        cause: err,
      });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new KeyValueError(KeyValueCodes.BACKEND_ERROR, `${what}: ${message}`, { cause: err });
}

/**
 * Key-value on Redis: each bucket is one hash (`<prefix><bucket>`), so buckets list and delete
 * independently. `increment` is `HINCRBY`; `compareAndSwap` is one Lua script (atomic on the
 * server). The client is built in (RESP2 over one pipelined socket): it does not queue commands
 * while Redis is down but fails them at once with the retryable `KV_UNAVAILABLE`, and reconnects
 * on the next call, so service resumes by itself when Redis comes back.
 *
 * @example
 * const kv = redisKeyValue({ url: 'redis://127.0.0.1:6379' });
 * await kv.increment('counters', 'hits', 1n);
 */
export function redisKeyValue(options: RedisKeyValueOptions): KeyValueStore {
  const prefix = options.prefix ?? 'aloft:kv:';
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const client = respClient({
    ...parseUrl(options.url),
    ...(options.connectTimeoutMs === undefined
      ? {}
      : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.commandTimeoutMs === undefined
      ? {}
      : { commandTimeoutMs: options.commandTimeoutMs }),
  });
  const run = async (what: string, args: (string | Uint8Array)[]): Promise<RespValue> => {
    try {
      return await client.command(args);
    } catch (err) {
      throw toKeyValueError(err, what);
    }
  };
  const hash = (bucket: string): string => prefix + bucket;
  // A copy: the reply Buffer may share a pooled ArrayBuffer with unrelated data.
  const bytes = (v: RespValue): Uint8Array | undefined =>
    Buffer.isBuffer(v) ? new Uint8Array(v) : undefined;

  return guarded({
    backend: 'redis',
    get: async (b, k) => bytes(await run(`get ${b}/${k}`, ['HGET', hash(b), k])),
    set: async (b, k, v) => {
      await run(`set ${b}/${k}`, ['HSET', hash(b), k, v]);
    },
    delete: async (b, k) => {
      await run(`delete ${b}/${k}`, ['HDEL', hash(b), k]);
    },
    exists: async (b, k) => (await run(`exists ${b}/${k}`, ['HEXISTS', hash(b), k])) === 1n,
    listKeys: async (b, cursor) => {
      const reply = await run(`list keys of ${b}`, ['HKEYS', hash(b)]);
      const keys = Array.isArray(reply)
        ? reply.map((k) => (Buffer.isBuffer(k) ? k.toString('utf8') : String(k)))
        : [];
      return pageOf(keys, cursor, pageSize);
    },
    increment: async (b, k, delta) => {
      const n = await run(`increment ${b}/${k}`, ['HINCRBY', hash(b), k, delta.toString()]);
      if (typeof n !== 'bigint')
        throw toKeyValueError(new Error('HINCRBY gave no integer'), `increment ${b}/${k}`);
      return n;
    },
    compareAndSwap: async (b, k, expected, value) => {
      const args = [k, expected === undefined ? '0' : '1', expected ?? '', value];
      return (
        (await run(`compare-and-swap ${b}/${k}`, ['EVAL', CAS_SCRIPT, '1', hash(b), ...args])) ===
        1n
      );
    },
    close: () => {
      client.close();
      return Promise.resolve();
    },
  });
}

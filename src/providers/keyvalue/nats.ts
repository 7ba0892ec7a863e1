import type { NatsConnection } from '@nats-io/nats-core';
import { headers, nuid } from '@nats-io/nats-core';
import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import {
  assertLatticeName,
  latticeJetStream,
  latticeJetStreamManager,
  replicasFor,
} from '../../lattice/index.ts';
import { delay } from '../../support/index.ts';
import { KeyValueCodes, KeyValueError } from './errors.ts';
import { addCounter, encodeCounter, guarded, pageOf, parseCounter, sameBytes } from './guard.ts';
import { decodeNatsKey, encodeNatsKey } from './nats-keys.ts';
import { isRevisionConflict, retryTransient, type BackendCodes } from '../jetstream/retry.ts';
import { DEFAULT_PAGE_SIZE, type KeyValueStore } from './types.ts';

/** Options of {@link natsKeyValue}. */
export interface NatsKeyValueOptions {
  nc: NatsConnection;
  /** Buckets are named `aloft_<lattice>_kv_<bucket>`. */
  lattice: string;
  /** Replicas of each bucket's stream. Default: `replicasFor(nc)` (3 in a cluster of 3+, else 1). */
  replicas?: number;
  /** Keys per `listKeys` page. Default 1000. */
  pageSize?: number;
  /** How long one call keeps retrying while JetStream is unavailable. Default 10 000 ms. */
  retryBudgetMs?: number;
  /** Timeout of each JetStream request. Default 2000 ms. */
  requestTimeoutMs?: number;
  /** A key listing that has not finished after this long is abandoned and retried. Default 10 000 ms. */
  listTimeoutMs?: number;
  /** Attempts of an atomic update that loses to concurrent writers before `KV_CONFLICT`. Default 200. */
  maxConflicts?: number;
  /**
   * What an atomic update's write is checked against: the key's revision (`subject`), or the whole
   * bucket's last sequence (`stream`). Default: `subject`, except on a clustered nats-server older
   * than 2.10, which does not enforce per-subject checks against in-flight writes (concurrent
   * compare-and-swaps all succeed there); `stream` is correct everywhere but conflicts with writes
   * to other keys of the bucket.
   */
  atomicity?: 'subject' | 'stream';
}

/** True when per-subject expected sequences are enforced atomically by the connected server. */
function perSubjectChecksHold(nc: NatsConnection): boolean {
  const info = nc.info;
  if (!info?.cluster) return true;
  const [major = 0, minor = 0] = info.version.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

const KV_CODES: BackendCodes = {
  unavailable: KeyValueCodes.UNAVAILABLE,
  failed: KeyValueCodes.BACKEND_ERROR,
  make: (code, message, opts) =>
    new KeyValueError(code as typeof KeyValueCodes.UNAVAILABLE, message, opts),
};
const KV_OPERATION = 'KV-Operation';
const MSG_ID = 'Nats-Msg-Id';

const isLive = (m: StoredMsg | null): m is StoredMsg => {
  const op = m?.header?.get(KV_OPERATION);
  return m !== null && op !== 'DEL' && op !== 'PURGE';
};

/**
 * Key-value on NATS JetStream KV: one KV bucket per bucket name, `aloft_<lattice>_kv_<bucket>`,
 * created on first use with `replicasFor(nc)` replicas (R3 in a cluster) and history 1.
 *
 * Reads go to the stream leader (no direct get), so a write acknowledged to any client is seen by
 * every later read. `increment` and `compareAndSwap` are revision-checked writes retried on
 * conflict. Writes carry a message id, so a write retried after a lost acknowledgement is
 * deduplicated rather than applied twice. While JetStream is unavailable (a leader election after a
 * server loss: timeouts, 503s, "JetStream not enabled") each call retries for `retryBudgetMs`, then
 * fails with the retryable `KV_UNAVAILABLE`; once every call has failed for a whole budget (e.g. on
 * the minority side of a partition), calls fail at once, one a second probing with a single
 * attempt, until JetStream answers again.
 * Keys are escaped (see `encodeNatsKey`).
 *
 * @example
 * const kv = natsKeyValue({ nc, lattice: 'default' });
 * await kv.compareAndSwap('locks', 'job-1', undefined, new TextEncoder().encode('host-a'));
 */
export function natsKeyValue(options: NatsKeyValueOptions): KeyValueStore {
  const { nc, lattice } = options;
  assertLatticeName(lattice);
  const replicas = options.replicas ?? replicasFor(nc);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const budgetMs = options.retryBudgetMs ?? 10_000;
  const timeout = options.requestTimeoutMs ?? 2000;
  const maxConflicts = options.maxConflicts ?? 200;
  const listTimeout = options.listTimeoutMs ?? 10_000;
  const stalled = Object.assign(new Error('listing keys stalled'), { name: 'TimeoutError' });
  const atomicity = options.atomicity ?? (perSubjectChecksHold(nc) ? 'subject' : 'stream');
  const js = latticeJetStream(nc, { timeout });
  const kvm = new Kvm(js);
  let jsm: Promise<JetStreamManager> | undefined;
  const manager = (): Promise<JetStreamManager> =>
    (jsm ??= latticeJetStreamManager(nc, { timeout, checkAPI: false }));
  const opened = new Map<string, Promise<KV>>();
  let closed = false;
  const isClosed = (): boolean => closed || nc.isClosed();
  // Since when every call has failed as unavailable (undefined after any success). Once that has
  // lasted a whole retry budget (a partitioned minority, not a leader election), calls make one
  // attempt instead of retrying for the budget: they fail at once with KV_UNAVAILABLE rather than
  // hold the calling component's instance for seconds each, and succeed again as soon as
  // JetStream answers.
  let failingSince: number | undefined;
  let lastProbe = 0;
  const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) {
      throw new KeyValueError(KeyValueCodes.UNAVAILABLE, 'the NATS key-value store is closed');
    }
    const startedAt = performance.now();
    const failing = failingSince !== undefined && startedAt - failingSince > budgetMs;
    if (failing && startedAt - lastProbe < 1000) {
      // One call a second finds out whether JetStream answers again; the others fail at once.
      throw new KeyValueError(
        KeyValueCodes.UNAVAILABLE,
        `${what}: NATS JetStream has not answered for ${Math.round((startedAt - (failingSince ?? startedAt)) / 1000)} s (no quorum reachable?)`,
      );
    }
    if (failing) lastProbe = startedAt;
    try {
      const out = await retryTransient(what, failing ? 0 : budgetMs, fn, isClosed, KV_CODES);
      failingSince = undefined;
      return out;
    } catch (err) {
      if (err instanceof KeyValueError && err.code === KeyValueCodes.UNAVAILABLE) {
        failingSince ??= startedAt;
      }
      throw err;
    }
  };
  const nameOf = (bucket: string): string => `aloft_${lattice}_kv_${bucket}`;

  /** Creates the bucket on first use (idempotent), then remembers it. */
  const open = (bucket: string): Promise<KV> => {
    let kv = opened.get(bucket);
    if (!kv) {
      kv = retry(`open bucket ${bucket}`, () =>
        kvm.create(nameOf(bucket), { replicas, history: 1, allow_direct: false }),
      );
      opened.set(bucket, kv);
      kv.catch(() => opened.delete(bucket));
    }
    return kv;
  };
  const subjectOf = (bucket: string, key: string): string =>
    `$KV.${nameOf(bucket)}.${encodeNatsKey(key)}`;

  /** The key's last message (a value or a delete marker), or null. */
  const last = async (bucket: string, key: string): Promise<StoredMsg | null> => {
    await open(bucket);
    const m = await manager();
    return retry(`get ${bucket}/${key}`, () =>
      m.streams.getMessage(`KV_${nameOf(bucket)}`, { last_by_subj: subjectOf(bucket, key) }),
    );
  };

  /** The sequence of the bucket's newest message (0 when empty). */
  const bucketSequence = async (bucket: string): Promise<number> => {
    await open(bucket);
    const m = await manager();
    const msg = await retry(`read bucket ${bucket}`, () =>
      m.streams.getMessage(`KV_${nameOf(bucket)}`, { last_by_subj: `$KV.${nameOf(bucket)}.>` }),
    );
    return msg?.seq ?? 0;
  };

  /**
   * Publishes a value (or a delete marker) with the given message id, retrying transient failures
   * with the same id. Resolves 'conflict' when `expect` was given and the key or bucket moved on.
   */
  const write = async (
    bucket: string,
    key: string,
    data: Uint8Array,
    opts: {
      expect?: { lastSubjectSequence: number } | { lastSequence: number };
      msgID: string;
      op?: 'DEL';
    },
  ): Promise<'ok' | 'conflict'> => {
    await open(bucket);
    const h = headers();
    if (opts.op) h.set(KV_OPERATION, opts.op);
    return retry(`write ${bucket}/${key}`, async () => {
      try {
        await js.publish(subjectOf(bucket, key), data, {
          msgID: opts.msgID,
          headers: h,
          ...(opts.expect ? { expect: opts.expect } : {}),
        });
        return 'ok';
      } catch (err) {
        if (opts.expect && isRevisionConflict(err)) return 'conflict';
        throw err;
      }
    });
  };

  /**
   * Read-modify-write with the key's revision: `decide` returns the bytes to write (and the result
   * to resolve with), or `done` to stop without writing. Retried while other writers win.
   */
  const update = async <T>(
    bucket: string,
    key: string,
    decide: (current: Uint8Array | undefined) => { write: Uint8Array; result: T } | { done: T },
  ): Promise<T> => {
    let mine: { msgID: string; result: T } | undefined;
    for (let attempt = 0; attempt < maxConflicts; attempt++) {
      // In `stream` mode the write expects the bucket's sequence read before the key: if nothing
      // was written since, the key's value read after it is still current.
      const streamSeq = atomicity === 'stream' ? await bucketSequence(bucket) : 0;
      const cur = await last(bucket, key);
      // A retried write whose first attempt landed reports a conflict: recognise our own message.
      if (mine && cur?.header?.get(MSG_ID) === mine.msgID) return mine.result;
      const d = decide(isLive(cur) ? cur.data : undefined);
      if ('done' in d) return d.done;
      mine = { msgID: nuid.next(), result: d.result };
      const expect =
        atomicity === 'stream'
          ? { lastSequence: streamSeq }
          : { lastSubjectSequence: cur?.seq ?? 0 };
      const r = await write(bucket, key, d.write, { expect, msgID: mine.msgID });
      if (r === 'ok') return d.result;
      await delay(Math.random() * Math.min(2 ** attempt, 20));
    }
    throw new KeyValueError(
      KeyValueCodes.CONFLICT,
      `${bucket}/${key}: gave up after ${maxConflicts} conflicting concurrent writes`,
    );
  };

  return guarded({
    backend: 'nats',
    get: async (b, k) => {
      const m = await last(b, k);
      return isLive(m) ? m.data : undefined;
    },
    set: async (b, k, v) => {
      await write(b, k, v, { msgID: nuid.next() });
    },
    delete: async (b, k) => {
      if (!isLive(await last(b, k))) return;
      await write(b, k, new Uint8Array(), { msgID: nuid.next(), op: 'DEL' });
    },
    exists: async (b, k) => isLive(await last(b, k)),
    listKeys: async (b, cursor) => {
      const kv = await open(b);
      const keys = await retry(`list keys of ${b}`, async () => {
        // The listing is an ordered consumer: if its server dies mid-way it could wait forever.
        let iter: Awaited<ReturnType<KV['keys']>> | undefined;
        let late = false;
        const timer = setTimeout(() => {
          late = true;
          iter?.stop(stalled);
        }, listTimeout);
        try {
          iter = await kv.keys();
          if (late) {
            iter.stop();
            throw stalled;
          }
          const out: string[] = [];
          for await (const k of iter) out.push(decodeNatsKey(k));
          return out;
        } finally {
          clearTimeout(timer);
        }
      });
      return pageOf(keys, cursor, pageSize);
    },
    increment: (b, k, delta) =>
      update(b, k, (cur) => {
        const next = addCounter(parseCounter(cur), delta);
        return { write: encodeCounter(next), result: next };
      }),
    compareAndSwap: (b, k, expected, value) =>
      update<boolean>(b, k, (cur) =>
        sameBytes(cur, expected) ? { write: value, result: true } : { done: false },
      ),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  });
}

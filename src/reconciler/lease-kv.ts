import type { NatsConnection } from '@nats-io/nats-core';
import { z } from 'zod';
import { bucketsFor, decodeJson, encodeJson, openKvBucket } from '../lattice/index.ts';
import { delay, silentLogger, systemClock, type Clock, type Logger } from '../support/index.ts';

const LeaseValue = z.object({ holder: z.string(), epoch: z.number().int().nonnegative() });
const KEY = 'reconciler';

/** Who acts. Only the holder of a fresh lease issues commands; every command carries its epoch. */
export interface Lease {
  /** True while this process holds the lease and renewed it recently enough to act. */
  isLeader(): boolean;
  /** The epoch of the lease this process holds (0 when it never held one). */
  epoch(): number;
  /** The holder as last read, if any. */
  holder(): string | undefined;
  onChange(listener: (leader: boolean) => void): () => void;
  stop(): Promise<void>;
}

export interface LeaseOptions {
  /** How long a lease lives without renewal. Default 3000 ms. */
  ttlMs?: number;
  /** How often the holder renews. Default 500 ms. */
  renewMs?: number;
  /** The holder stops acting this long before its lease could expire for others. Default 1000 ms. */
  marginMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * A lease held by compare-and-swap on a JetStream KV key. Times are measured on this process's
 * monotonic clock, never compared across machines:
 * - the holder acts only while its last successful renewal is younger than `ttl - margin`;
 * - a contender takes over only after it has seen the same revision for a whole `ttl`.
 * So a holder cut off from the quorum (its writes fail) goes quiet at least `margin` before anyone
 * else can start. Each takeover increments the epoch; hosts refuse commands from older epochs.
 */
export async function startLease(
  nc: NatsConnection,
  lattice: string,
  id: string,
  options: LeaseOptions = {},
): Promise<Lease> {
  const ttl = options.ttlMs ?? 3000;
  const renewEvery = options.renewMs ?? 500;
  const margin = options.marginMs ?? 1000;
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const kv = await openKvBucket(nc, bucketsFor(lattice).lease, 1);
  let myEpoch = 0;
  let lastRenewOk = -Infinity;
  let holding = false;
  let currentHolder: string | undefined;
  let seen: { revision: number; at: number } | undefined;
  let wasLeader = false;
  let stopped = false;
  const listeners = new Set<(leader: boolean) => void>();

  const isLeader = (): boolean => holding && clock.monotonic() - lastRenewOk < ttl - margin;
  const notify = (): void => {
    const now = isLeader();
    if (now === wasLeader) return;
    wasLeader = now;
    log.info(now ? 'acting: lease acquired' : 'not acting: lease lost or stale', {
      epoch: myEpoch,
    });
    for (const l of listeners) l(now);
  };

  const step = async (): Promise<void> => {
    const now = clock.monotonic();
    const entry = await kv.get(KEY);
    const value =
      entry && entry.operation === 'PUT' && entry.length > 0
        ? decodeJson(entry.value, LeaseValue, 'lease')
        : undefined;
    currentHolder = value?.holder;
    if (!entry || !value) {
      const epoch = Math.max(myEpoch, 0) + 1;
      await kv.create(KEY, encodeJson({ holder: id, epoch }));
      myEpoch = epoch;
      holding = true;
      lastRenewOk = now;
      return;
    }
    if (value.holder === id) {
      holding = true;
      myEpoch = value.epoch;
      if (now - lastRenewOk >= renewEvery) {
        await kv.update(KEY, encodeJson({ holder: id, epoch: value.epoch }), entry.revision);
        lastRenewOk = now;
      }
      return;
    }
    holding = false;
    const released = value.holder === '';
    if (!released && (!seen || seen.revision !== entry.revision)) {
      seen = { revision: entry.revision, at: now };
      return;
    }
    if (released || (seen && now - seen.at > ttl)) {
      const epoch = value.epoch + 1;
      await kv.update(KEY, encodeJson({ holder: id, epoch }), entry.revision);
      myEpoch = epoch;
      holding = true;
      lastRenewOk = now;
      log.info('took over an expired lease', { from: value.holder, epoch });
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await step();
      } catch (err) {
        // A lost CAS race or no quorum: our lease simply ages; isLeader() turns false in time.
        log.info('lease step failed', { error: err });
      }
      notify();
      await delay(Math.min(250, renewEvery / 2));
    }
  })();

  return {
    isLeader,
    epoch: () => myEpoch,
    holder: () => currentHolder,
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stop: async () => {
      stopped = true;
      await loop;
      if (holding && isLeader()) {
        // Release at once (keeping the epoch) rather than make the next reconciler wait for expiry.
        const entry = await kv.get(KEY).catch(() => null);
        if (entry) {
          await kv
            .update(KEY, encodeJson({ holder: '', epoch: myEpoch }), entry.revision)
            .catch(() => undefined);
        }
      }
      holding = false;
      notify();
    },
  };
}

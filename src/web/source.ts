import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import { z } from 'zod';
import {
  bucketsFor,
  CloudEvent,
  decodeJson,
  eventType,
  latticeJetStream,
  latticeJetStreamManager,
  openLatticeState,
  schemas,
  subjectsFor,
  type LatticeState,
} from '../lattice/index.ts';
import { delay, errorMessage, type Clock, type Logger } from '../support/index.ts';
import { addEvent, applyBeat, emptyModel, hostGone, type LatticeModel } from './model.ts';

/** The reconciler's status record as the dashboard reads it (`status.<app>`; extra fields ignored). */
const AppStatus = z.object({
  app: z.string(),
  version: z.string(),
  state: z.string(),
  reason: z.string().default(''),
  scalers: z
    .array(
      z.object({
        component: z.string(),
        state: z.string(),
        reason: z.string().default(''),
        target: z.number(),
        running: z.number(),
      }),
    )
    .default([]),
});

/** The live model of one lattice, fed by NATS. */
export interface LatticeSource {
  readonly model: LatticeModel;
  /** Called after every change to the model. */
  onChange(listener: () => void): () => void;
  stop(): Promise<void>;
}

/**
 * Watches a lattice the way any client may: heartbeats (`aloft.L.hb.*`), events (`aloft.L.evt.>`),
 * links (the state bucket) and application status (`status.*` in the apps bucket). Buckets that do
 * not exist yet (no JetStream, or nothing deployed) are waited for in the background.
 */
export async function watchLattice(
  nc: NatsConnection,
  options: { lattice: string; clock: Clock; logger: Logger },
): Promise<LatticeSource> {
  const { clock, logger: log } = options;
  const s = subjectsFor(options.lattice);
  const model = emptyModel();
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of listeners) l();
  };
  let stopped = false;
  const subs: Subscription[] = [];

  const beats = nc.subscribe(s.heartbeatsAll);
  subs.push(beats);
  void (async () => {
    for await (const m of beats) {
      try {
        const beat = decodeJson(m.data, schemas.Heartbeat, 'heartbeat');
        // A host speaks for itself on its own subject only (a tab may publish no other).
        if (m.subject !== s.heartbeat(beat.hostId)) continue;
        applyBeat(model, beat, clock.monotonic());
        changed();
      } catch (err) {
        log.debug('ignored malformed heartbeat', { subject: m.subject, error: err });
      }
    }
  })();

  const events = nc.subscribe(s.eventsAll);
  subs.push(events);
  void (async () => {
    for await (const m of events) {
      try {
        const ev = decodeJson(m.data, CloudEvent, 'event');
        if (!addEvent(model, ev)) continue;
        const type = eventType(ev);
        const hostId = typeof ev.data.hostId === 'string' ? ev.data.hostId : ev.subject;
        if (hostId && type === 'host_lost') {
          const reason = typeof ev.data.reason === 'string' ? ev.data.reason : 'reported lost';
          hostGone(model, hostId, 'lost', reason, clock.monotonic());
        } else if (hostId && type === 'host_stopped' && model.hosts.get(hostId)?.beat.draining) {
          // Believed only after the host's own beat said it was draining (as watchHosts does).
          hostGone(model, hostId, 'stopped', 'stopped gracefully', clock.monotonic());
        }
        changed();
      } catch (err) {
        log.debug('ignored malformed event', { subject: m.subject, error: err });
      }
    }
  })();

  let state: LatticeState | undefined;
  let appsWatch: { stop(): void } | undefined;
  void (async () => {
    try {
      await waitForStream(nc, `KV_${bucketsFor(options.lattice).state}`, () => stopped);
      if (stopped) return;
      state = await openLatticeState(nc, options.lattice);
      const refresh = (): void => {
        model.links = state?.links() ?? [];
        changed();
      };
      state.onChange(refresh);
      await state.ready();
      refresh();
    } catch (err) {
      log.warn('links are not shown: the state bucket could not be read', {
        error: errorMessage(err),
      });
    }
  })();
  void (async () => {
    try {
      const bucket = bucketsFor(options.lattice).apps;
      await waitForStream(nc, `KV_${bucket}`, () => stopped);
      if (stopped) return;
      const kv = await new Kvm(latticeJetStream(nc)).open(bucket);
      const watch = await kv.watch({ key: 'status.>' });
      appsWatch = watch;
      for await (const e of watch) {
        const key = e.key.slice('status.'.length);
        if (e.operation === 'DEL' || e.operation === 'PURGE') model.apps.delete(key);
        else {
          const parsed = AppStatus.safeParse(safeJson(e.value));
          if (parsed.success) model.apps.set(key, parsed.data);
        }
        changed();
      }
    } catch (err) {
      if (!stopped) {
        log.warn('application status is not shown: the apps bucket could not be read', {
          error: errorMessage(err),
        });
      }
    }
  })();

  await nc.flush();
  return {
    model,
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stop: async () => {
      stopped = true;
      listeners.clear();
      for (const sub of subs) sub.unsubscribe();
      appsWatch?.stop();
      await state?.stop();
    },
  };
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** Waits until a JetStream stream exists (polling every 2 s), or `stopped()` says to give up. */
async function waitForStream(
  nc: NatsConnection,
  stream: string,
  stopped: () => boolean,
): Promise<void> {
  for (;;) {
    if (stopped() || nc.isClosed()) return;
    try {
      const jsm = await latticeJetStreamManager(nc, { timeout: 2000 });
      await jsm.streams.info(stream);
      return;
    } catch {
      await delay(2000);
    }
  }
}

import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { silentLogger, systemClock, type Clock, type Logger } from '../support/index.ts';
import { decodeJson, encodeJson } from './codec.ts';
import { CloudEvent, makeEvent } from './events.ts';
import { LatticeCodes, LatticeError } from './errors.ts';
import { HostIndex } from './host-index.ts';
import { isExpired, rankHosts, type Caller, type HostEntry } from './routing.ts';
import { request } from './rpc.ts';
import { Heartbeat } from './schemas.ts';
import { subjectsFor } from './subjects.ts';

export type HostChange =
  | { type: 'joined'; hostId: string; entry: HostEntry }
  | { type: 'updated'; hostId: string; entry: HostEntry }
  | { type: 'lost'; hostId: string; entry: HostEntry; reason: string }
  | { type: 'left'; hostId: string; entry: HostEntry };

/** A live view of the lattice's hosts, built from heartbeats: the callers' routing table. */
export interface HostsView {
  entries(): HostEntry[];
  get(hostId: string): HostEntry | undefined;
  /** Host ids to try for a call to `component` (or a provider), best first. */
  rank(component: string, caller: Caller, kind?: 'component' | 'provider'): string[];
  /** Marks a host as suspected for `ms` (a call to it just failed). May trigger a liveness probe. */
  suspect(hostId: string, ms: number, reason: string): void;
  onChange(listener: (change: HostChange) => void): () => void;
  /** Resolves once `predicate` holds, re-checked at every change; rejects after `timeoutMs`. */
  waitFor(predicate: (view: HostsView) => boolean, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface WatchHostsOptions {
  lattice: string;
  clock?: Clock;
  logger?: Logger;
  /**
   * Publish `host_lost` when this view notices a loss (hosts and reconcilers do; one-shot CLI
   * commands do not). The value is the CloudEvents `source`.
   */
  reportLossAs?: string;
  /** How often expiry is checked. Default 100 ms. */
  checkEveryMs?: number;
  /** For the jitter of the late-heartbeat probe; default Math.random. */
  random?: () => number;
  /**
   * Ping a host whose heartbeat is late or that a call found unreachable, to notice a crash
   * sooner. Default true; a browser tab may send no control request.
   */
  probe?: boolean;
}

/**
 * A host whose heartbeat is this many intervals late (plus up to a quarter, different per
 * observer, so that usually one probes and the others hear its `host_lost`) is probed directly.
 */
export const LATE_BEATS_FOR_PROBE = 1.25;
/** A host is declared lost when this many probes, `PROBE_SPACING_MS` apart, all find nobody. */
export const PROBES_FOR_LOSS = 3;
export const PROBE_SPACING_MS = 150;

/**
 * Watches heartbeats and host events. A host silent for three beat intervals is lost (a hang, a
 * partition). A crash is found sooner: a host whose heartbeat is late, or whose direct subject
 * just had no responders for a call, is pinged directly; if NATS finds no subscriber three times
 * in 300 ms, its connection is gone and it is lost. A slow or paused host still has its connection
 * (the ping times out instead), so load never makes a live host look dead.
 *
 * What a host says about itself is believed only where NATS permissions can bind it to that host:
 * a heartbeat counts only on its own subject (`hb.<hostId>`, which a browser tab's credentials
 * allow for its own id only), and a `host_stopped` (whose subject names no host) only for a host
 * whose own last heartbeat said it was draining, as every graceful stop does first. A forged
 * `host_stopped` for a serving host is ignored; a real one whose draining beat was lost leaves the
 * host to be declared lost three beats later.
 */
export async function watchHosts(
  nc: NatsConnection,
  options: WatchHostsOptions,
): Promise<HostsView> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const lateFactor = LATE_BEATS_FOR_PROBE + 0.25 * (options.random ?? Math.random)();
  /** Per host, the heartbeat time its last late-probe was for: one probe per silence. */
  const probedSilence = new Map<string, number>();
  /** When any heartbeat last arrived: none for a while means we are the one cut off. */
  let lastAnyBeat = clock.monotonic();
  const s = subjectsFor(options.lattice);
  const hosts = new HostIndex();
  const listeners = new Set<(c: HostChange) => void>();
  const probing = new Set<string>();
  const emit = (c: HostChange): void => {
    for (const l of listeners) l(c);
  };

  const declareLost = (hostId: string, reason: string, publish: boolean): void => {
    const entry = hosts.get(hostId);
    if (!entry) return;
    hosts.delete(hostId);
    probedSilence.delete(hostId);
    log.warn('host lost', { hostId, reason });
    if (publish && options.reportLossAs) {
      const ev = makeEvent(
        'host_lost',
        options.reportLossAs,
        { hostId, reason, labels: entry.labels },
        { subject: hostId },
      );
      nc.publish(s.event('host_lost'), encodeJson(ev));
    }
    emit({ type: 'lost', hostId, entry, reason });
  };

  // Callbacks, not async iterators: nats.js calls them in the order messages arrived, across
  // subscriptions. Two iterators resume independently, so a stopping host's last heartbeat could be
  // handled after its host_stopped, bringing it back to be declared lost three beats later.
  const onBeat = (m: Msg): void => {
    let beat: Heartbeat;
    try {
      beat = decodeJson(m.data, Heartbeat, 'heartbeat');
    } catch (err) {
      log.debug('ignored malformed heartbeat', { subject: m.subject, error: err });
      return;
    }
    if (m.subject !== s.heartbeat(beat.hostId)) {
      log.debug("ignored a heartbeat on another host's subject", {
        subject: m.subject,
        hostId: beat.hostId,
      });
      return;
    }
    const prev = hosts.get(beat.hostId);
    lastAnyBeat = clock.monotonic();
    const entry: HostEntry = {
      hostId: beat.hostId,
      labels: beat.labels,
      cordoned: beat.cordoned,
      components: beat.components,
      providers: beat.providers,
      inventoryRevision: beat.inventoryRevision,
      load: beat.load,
      lastSeenMs: clock.monotonic(),
      intervalMs: beat.intervalMs,
      suspectUntilMs: prev?.suspectUntilMs ?? 0,
      ...(beat.epoch === undefined ? {} : { epoch: beat.epoch }),
      ...(beat.draining ? { draining: true } : {}),
    };
    hosts.set(entry);
    emit({ type: prev ? 'updated' : 'joined', hostId: beat.hostId, entry });
  };
  const onEvent = (type: 'host_stopped' | 'host_lost', m: Msg): void => {
    let ev: CloudEvent;
    try {
      ev = decodeJson(m.data, CloudEvent, type);
    } catch {
      return; // malformed event: not ours to act on
    }
    const hostId = typeof ev.data.hostId === 'string' ? ev.data.hostId : ev.subject;
    const entry = hostId ? hosts.get(hostId) : undefined;
    if (!hostId || !entry) return;
    if (type === 'host_stopped') {
      if (!entry.draining) {
        log.debug('ignored host_stopped for a host that was not draining', {
          hostId,
          source: ev.source,
        });
        return;
      }
      hosts.delete(hostId);
      probedSilence.delete(hostId);
      emit({ type: 'left', hostId, entry });
    } else {
      declareLost(hostId, `reported by ${ev.source}`, false);
    }
  };
  const guarded =
    (what: string, handle: (m: Msg) => void) =>
    (_err: unknown, m: Msg): void => {
      try {
        handle(m);
      } catch (err) {
        log.error(`hosts view: handling a ${what} failed`, { error: err });
      }
    };
  const subs: Subscription[] = [
    nc.subscribe(s.heartbeatsAll, { callback: guarded('heartbeat', onBeat) }),
    ...(['host_stopped', 'host_lost'] as const).map((type) =>
      nc.subscribe(s.event(type), { callback: guarded(type, (m) => onEvent(type, m)) }),
    ),
  ];

  // Judge others by their silence only while our own view is trustworthy: not while disconnected
  // (then we are the one cut off), not right after this process was paused (SIGSTOP, a long GC),
  // and not while no heartbeat at all arrives (our server is hung or cut off, and the client has
  // not noticed yet): every peer would look silent. Then restart everyone's clock instead; a host
  // that really died is still found by the late-heartbeat probe, which finds no responders.
  const checkEvery = options.checkEveryMs ?? 100;
  let lastCheck = clock.monotonic();
  let connected = true;
  const refreshAll = (now: number): void => {
    for (const entry of hosts.values()) entry.lastSeenMs = now;
  };
  void (async () => {
    for await (const st of nc.status()) {
      if (st.type === 'disconnect') connected = false;
      if (st.type === 'reconnect') {
        connected = true;
        refreshAll(clock.monotonic());
      }
    }
  })();
  const timer = setInterval(() => {
    const now = clock.monotonic();
    const paused = now - lastCheck > Math.max(1000, checkEvery * 10);
    lastCheck = now;
    let shortest = Number.POSITIVE_INFINITY;
    for (const e of hosts.values()) shortest = Math.min(shortest, e.intervalMs);
    const deaf = now - lastAnyBeat > 2 * shortest;
    if (paused || !connected || deaf) {
      refreshAll(now);
      return;
    }
    for (const entry of [...hosts.values()]) {
      if (isExpired(entry, now)) declareLost(entry.hostId, 'missed 3 heartbeats', true);
      else if (
        options.probe !== false &&
        now - entry.lastSeenMs > entry.intervalMs * lateFactor &&
        probedSilence.get(entry.hostId) !== entry.lastSeenMs
      ) {
        probedSilence.set(entry.hostId, entry.lastSeenMs);
        void probe(entry.hostId);
      }
    }
  }, checkEvery);
  timer.unref?.();

  /**
   * Direct pings that all find no subscriber, 150 ms apart, mean the host's connection is gone
   * (three, so that a host reconnecting to another server in ~0.3 s is not declared lost).
   */
  const probe = async (hostId: string): Promise<void> => {
    if (probing.has(hostId)) return;
    probing.add(hostId);
    try {
      for (let attempt = 0; attempt < PROBES_FOR_LOSS; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, PROBE_SPACING_MS));
        if (!hosts.get(hostId)) return; // lost or stopped meanwhile
        try {
          await request(nc, s.control('host.ping', hostId), encodeJson({}), { timeoutMs: 500 });
          return; // it answered: alive
        } catch (err) {
          if (!(err instanceof LatticeError) || err.code !== LatticeCodes.NO_RESPONDERS) return;
        }
      }
      declareLost(hostId, 'its connection closed (no responders)', true);
    } finally {
      probing.delete(hostId);
    }
  };

  const view: HostsView = {
    entries: () => [...hosts.values()],
    get: (id) => hosts.get(id),
    rank: (component, caller, kind) =>
      rankHosts(
        hosts.candidates(component, kind),
        component,
        caller,
        clock.monotonic(),
        Math.random,
        kind,
      ),
    suspect: (hostId, ms, reason) => {
      const e = hosts.get(hostId);
      if (!e) return;
      e.suspectUntilMs = clock.monotonic() + ms;
      if (reason === LatticeCodes.NO_RESPONDERS && options.probe !== false) void probe(hostId);
    },
    onChange: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    waitFor: (predicate, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (predicate(view)) return resolve();
        const t = setTimeout(() => {
          off();
          reject(new Error(`condition on hosts not met within ${timeoutMs} ms`));
        }, timeoutMs);
        const off = view.onChange(() => {
          if (predicate(view)) {
            clearTimeout(t);
            off();
            resolve();
          }
        });
      }),
    stop: async () => {
      clearInterval(timer);
      for (const sub of subs) sub.unsubscribe();
      listeners.clear();
      await Promise.resolve();
    },
  };
  await nc.flush();
  return view;
}

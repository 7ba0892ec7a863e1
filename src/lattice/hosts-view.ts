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
  /**
   * Ping a host that a call found unreachable (`suspect` with `NO_RESPONDERS`), to notice a crash
   * in milliseconds. Default true; a browser tab may send no control request.
   */
  probe?: boolean;
}

/**
 * Watches heartbeats and host events. A host silent for three beat intervals is lost; a host whose
 * direct subject has no responders is probed at once and declared lost if the probe also finds
 * nobody, which detects a crash in milliseconds instead of seconds.
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

  // Judge others only while our own view is trustworthy: not while disconnected (then we are the
  // one cut off), and not right after this process was paused (SIGSTOP, a long GC), when every
  // peer would look silent. In both cases restart everyone's clock instead.
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
    if (paused || !connected) {
      refreshAll(now);
      return;
    }
    for (const entry of hosts.values()) {
      if (isExpired(entry, now)) declareLost(entry.hostId, 'missed 3 heartbeats', true);
    }
  }, checkEvery);
  timer.unref?.();

  /** A direct ping that finds no subscriber twice, 100 ms apart, means the host's connection is gone. */
  const probe = async (hostId: string): Promise<void> => {
    if (probing.has(hostId)) return;
    probing.add(hostId);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await request(nc, s.control('host.ping', hostId), encodeJson({}), { timeoutMs: 500 });
          return; // it answered: alive
        } catch (err) {
          if (!(err instanceof LatticeError) || err.code !== LatticeCodes.NO_RESPONDERS) return;
        }
        await new Promise((r) => setTimeout(r, 100));
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
